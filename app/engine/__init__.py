"""The backpropagation engine: numpy only, no HTTP, storage or plotting.

Notation follows Michael Nielsen, "Neural Networks and Deep Learning", ch. 2,
except that the input is layer 0 here (layer 1 in the book), so a network of
sizes [n_0, ..., n_L] has weight layers l = 1..L.

Glossary: symbol, engine name, JSON field, UI label.

    symbol          engine                 JSON field       UI label
    x               ForwardTrace.x         input            input a^0
    y               ForwardTrace.y         target           target y
    w^l_jk          Network.weights[l-1]   weights          weight w^l_jk
    b^l_j           Network.biases[l-1]    biases           bias b^l_j
    z^l_j           ForwardTrace.z[l-1]    z                weighted input z
    a^l_j           ForwardTrace.a[l]      a                activation a
    s'(z^l_j)       ForwardTrace.sp[l-1]   sp               sigma'(z)
    C               ForwardTrace.cost      cost             cost C
    grad_a C        BackwardTrace.grad_a   grad_a           dC/da^L
    delta^l_j       BackwardTrace.delta    delta            error delta
    dC/db^l_j       BackwardTrace.grad_b   grad_b           dC/db (BP3)
    dC/dw^l_jk      BackwardTrace.grad_w   grad_w           dC/dw (BP4)
    eta             NetworkConfig.eta      learning_rate    learning rate eta
    lambda          NetworkConfig.lmbda    l2               L2 lambda
    mu              NetworkConfig.mu       momentum         momentum mu
    m               StepResult.m           batch_size       mini-batch size
"""

from app.engine.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from app.engine.config import INITS, NetworkConfig
from app.engine.costs import COSTS
from app.engine.equations import EQUATIONS, equation_keys
from app.engine.gradcheck import GradientCheck, LayerCheck, gradient_check
from app.engine.network import Network
from app.engine.trace import BackwardTrace, DivergenceError, ForwardTrace, StepResult

__all__ = [
    "ACTIVATIONS",
    "COSTS",
    "EQUATIONS",
    "HIDDEN_ACTIVATIONS",
    "INITS",
    "OUTPUT_ACTIVATIONS",
    "BackwardTrace",
    "DivergenceError",
    "ForwardTrace",
    "GradientCheck",
    "LayerCheck",
    "Network",
    "NetworkConfig",
    "StepResult",
    "equation_keys",
    "gradient_check",
]
