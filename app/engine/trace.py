"""Records of the forward pass, the backward pass and an SGD step.

Every per-layer list below except ``a`` has layer l at index l - 1, because
the input (layer 0 here, layer 1 in Nielsen's book) has no z, delta or
weights. ``a`` has layer l at index l, with a[0] the input itself. Arrays
have one row per example of the mini-batch: a[l] is (m, n_l).
"""

from dataclasses import dataclass

import numpy as np

from app.engine.activations import FloatArray


class DivergenceError(ValueError):
    """A step produced NaN or infinity; the network keeps its last good state.

    after_update is True when the quantity comes from the updated parameters
    (w, b, or the cost after the step), which a smaller learning rate can
    keep finite. Otherwise it was computed from the parameters and the
    mini-batch as they were before the update, and this step's eta played no
    part (an earlier step's eta may have made the parameters large).
    """

    def __init__(
        self, layer: int, quantity: str, step: int, *, after_update: bool
    ) -> None:
        self.layer = layer
        self.quantity = quantity
        self.after_update = after_update
        when = "" if after_update else " before the update"
        #: The message without its advice.
        self.description = (
            f"step {step} diverged: {quantity} in layer {layer} became NaN or "
            f"infinite{when}, so the step was rejected and the parameters "
            "were kept"
        )
        super().__init__(f"{self.description}; {self.advice}")

    @property
    def advice(self) -> str:
        if self.after_update:
            return "try a smaller learning rate"
        return (
            "the learning rate of this step played no part, because the "
            "parameters or the mini-batch were already too large for float64: "
            "undo the steps that made the parameters large, or scale the data "
            "down"
        )


@dataclass(slots=True)
class ForwardTrace:
    """z^l, a^l and s'(z^l) for every layer, and the cost when y is given.

    equations maps each traced quantity (z, a, a_output, cost, grad_a,
    delta_output, delta_hidden, grad_b, grad_w) to the key of the equation
    in EQUATIONS that produced it. equations.equation_keys builds it.
    """

    x: FloatArray
    z: list[FloatArray]
    a: list[FloatArray]
    sp: list[FloatArray]
    y: FloatArray | None
    costs: FloatArray | None
    equations: dict[str, str]

    @property
    def output(self) -> FloatArray:
        return self.a[-1]

    @property
    def cost(self) -> float | None:
        """Mean of C_x over the mini-batch, or None without targets."""
        if self.costs is None:
            return None
        return float(self.costs.sum()) / self.costs.shape[0]


@dataclass(slots=True)
class BackwardTrace:
    """The error signals and gradients of one forward-backward pass.

    grad_a is grad_a C_x for each example, (m, n_L). delta[l-1] is delta^l for
    each example, (m, n_l), from BP1 for l = L and BP2 below (see
    ``equation``). grad_b and grad_w are averaged over the m examples: grad_b
    [l-1] is dC/db^l (BP3), (n_l,), and grad_w[l-1] is dC/dw^l (BP4),
    (n_l, n_{l-1}) with rows j and columns k.
    """

    forward: ForwardTrace
    grad_a: FloatArray
    delta: list[FloatArray]
    grad_b: list[FloatArray]
    grad_w: list[FloatArray]

    @property
    def equation(self) -> list[str]:
        """The short name of the equation behind delta^l, for l = 1..L."""
        L = len(self.delta)
        return ["BP2"] * (L - 1) + ["BP1"]

    @property
    def equations(self) -> dict[str, str]:
        """The EQUATIONS key behind each quantity (see ForwardTrace)."""
        return self.forward.equations

    def example_grad_w(self, i: int, l: int) -> FloatArray:
        """Return dC_x/dw^l for example i alone: a^{l-1}_k delta^l_j (BP4)."""
        return np.outer(self.delta[l - 1][i], self.forward.a[l - 1][i])

    def example_grad_b(self, i: int, l: int) -> FloatArray:
        """Return dC_x/db^l for example i alone: delta^l_j (BP3)."""
        return self.delta[l - 1][i].copy()


@dataclass(slots=True)
class StepResult:
    """One SGD step: the mini-batch, its gradients and the parameters around it.

    The gradients are the unregularised averages (1/m) sum_x dC_x/dw and
    dC_x/db, taken with the parameters before the step. cost_before and
    cost_after are the mean cost of the same mini-batch before and after.
    """

    indices: FloatArray | None
    m: int
    eta: float
    weights_before: list[FloatArray]
    biases_before: list[FloatArray]
    weights_after: list[FloatArray]
    biases_after: list[FloatArray]
    cost_before: float
    cost_after: float
    trace: BackwardTrace

    @property
    def grad_w(self) -> list[FloatArray]:
        return self.trace.grad_w

    @property
    def grad_b(self) -> list[FloatArray]:
        return self.trace.grad_b
