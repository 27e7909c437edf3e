"""Reference formulas and factories for the engine tests.

The functions here recompute forward passes, costs and finite differences
with plain numpy written straight from the equations, without calling
app.engine, so the tests compare the engine with an independent oracle.
They are naive on purpose: they are only used where z stays moderate.
"""

import itertools

import numpy as np

from app.engine import Network, NetworkConfig

LEAKY_SLOPE = 0.01


def is_allowed(output: str, cost: str) -> bool:
    """Return whether an output activation and cost make sense together.

    The log-likelihood cost needs softmax outputs. The cross-entropy cost
    takes ln(a) and ln(1 - a), so it needs outputs in (0, 1).
    """
    if cost == "log_likelihood":
        return output == "softmax"
    if cost == "cross_entropy":
        return output in ("sigmoid", "softmax")
    return True


def sigma(name: str, z: np.ndarray, slope: float = LEAKY_SLOPE) -> np.ndarray:
    """Apply the activation `name` to z of shape (m, n)."""
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, slope * z)
    if name == "identity":
        return z
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    raise KeyError(name)


def cost_per_example(
    name: str, output: str, z: np.ndarray, y: np.ndarray, slope: float = LEAKY_SLOPE
) -> np.ndarray:
    """Return C_x for each row of z^L and y.

    ln(a) and ln(1 - a) are taken from z through exact identities, because
    1 - a computed from a loses most digits when a is within 1e-8 of 1,
    which happens at z = 18 already and would swamp a finite difference.
    """
    if name == "quadratic":
        return 0.5 * ((y - sigma(output, z, slope)) ** 2).sum(axis=1)
    if output == "sigmoid":
        # ln(1 / (1 + e^-z)) and ln(e^-z / (1 + e^-z)).
        log_a = -np.logaddexp(0.0, -z)
        log_1ma = -np.logaddexp(0.0, z)
    else:
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        log_total = np.log(e.sum(axis=1, keepdims=True))
        log_a = shifted - log_total
        n = z.shape[1]
        others = np.stack([e[:, np.arange(n) != j].sum(axis=1) for j in range(n)], 1)
        log_1ma = np.log(others) - log_total
    if name == "cross_entropy":
        return -(y * log_a + (1.0 - y) * log_1ma).sum(axis=1)
    if name == "log_likelihood":
        return -(y * log_a).sum(axis=1)
    raise KeyError(name)


def forward(
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    x: np.ndarray,
    hidden: str,
    output: str,
    slope: float = LEAKY_SLOPE,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Return z^1..z^L and a^0..a^L for a mini-batch x of shape (m, n_0)."""
    zs, activations = [], [x]
    L = len(weights)
    for l in range(1, L + 1):
        z = activations[-1] @ weights[l - 1].T + biases[l - 1]
        name = output if l == L else hidden
        zs.append(z)
        activations.append(sigma(name, z, slope))
    return zs, activations


def mean_cost(
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    config: NetworkConfig,
) -> float:
    """Return the mean cost C of the mini-batch (x, y), without the L2 term."""
    zs, _ = forward(
        weights,
        biases,
        x,
        config.hidden_activation,
        config.output_activation,
        config.leaky_slope,
    )
    costs = cost_per_example(
        config.cost, config.output_activation, zs[-1], y, config.leaky_slope
    )
    return float(costs.mean())


def finite_difference(
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    config: NetworkConfig,
    h: float = 1e-5,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Return dC/dw^l and dC/db^l by central differences of `mean_cost`."""
    weights = [w.copy() for w in weights]
    biases = [b.copy() for b in biases]
    grads = []
    for param in [*weights, *biases]:
        grad = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            original = param[index]
            param[index] = original + h
            up = mean_cost(weights, biases, x, y, config)
            param[index] = original - h
            down = mean_cost(weights, biases, x, y, config)
            param[index] = original
            grad[index] = (up - down) / (2 * h)
        grads.append(grad)
    L = len(weights)
    return grads[:L], grads[L:]


def random_parameters(
    sizes: tuple[int, ...], rng: np.random.Generator
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Draw weights and biases from N(0, 1) with the test's own generator."""
    weights = [
        rng.standard_normal((n, n_prev)) for n_prev, n in itertools.pairwise(sizes)
    ]
    biases = [rng.standard_normal(n) for n in sizes[1:]]
    return weights, biases


def random_examples(
    config: NetworkConfig, m: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Draw m inputs from U(-1, 1) and targets that suit the cost.

    Targets are one-hot for softmax outputs and lie in [0, 1] otherwise.
    """
    n_in, n_out = config.sizes[0], config.sizes[-1]
    x = rng.uniform(-1.0, 1.0, size=(m, n_in))
    if config.output_activation == "softmax":
        y = np.eye(n_out)[rng.integers(0, n_out, size=m)]
    else:
        y = rng.uniform(0.0, 1.0, size=(m, n_out))
    return x, y


def min_abs_z(network: Network, x: np.ndarray) -> float:
    """Return the smallest |z| over every layer, from the reference forward pass."""
    c = network.config
    zs, _ = forward(
        network.weights,
        network.biases,
        x,
        c.hidden_activation,
        c.output_activation,
        c.leaky_slope,
    )
    return min(float(np.abs(z).min()) for z in zs)


def parameters_equal(first: Network, second: Network) -> bool:
    """Return whether two networks hold bit-identical weights and biases."""
    pairs = [
        *zip(first.weights, second.weights, strict=True),
        *zip(first.biases, second.biases, strict=True),
    ]
    return all(a.shape == b.shape and a.tobytes() == b.tobytes() for a, b in pairs)


def snapshot(network: Network) -> dict[str, object]:
    """Return copies of the parameters, velocities and counters of a network."""
    return {
        "weights": [w.tobytes() for w in network.weights],
        "biases": [b.tobytes() for b in network.biases],
        "velocity_w": [v.tobytes() for v in network.velocity_w],
        "velocity_b": [v.tobytes() for v in network.velocity_b],
        "steps": network.steps,
        "epochs": network.epochs,
        "examples_seen": network.examples_seen,
        "epoch_position": network.epoch_position,
    }
