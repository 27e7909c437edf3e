"""Check backpropagation against finite differences of the cost."""

from dataclasses import dataclass
from typing import Any

import numpy as np

from app.engine.activations import FloatArray
from app.engine.network import Network

# Below this size a gradient is compared by absolute difference: the
# rounding error of a finite difference of a cost near 1 is about 1e-11,
# so a relative error of two tiny gradients tells nothing about backprop.
RELATIVE_ERROR_FLOOR = 1e-8


@dataclass(frozen=True)
class LayerCheck:
    """Numeric and backprop gradients of one layer l, with relative errors."""

    layer: int
    numeric_w: FloatArray
    backprop_w: FloatArray
    rel_error_w: FloatArray
    numeric_b: FloatArray
    backprop_b: FloatArray
    rel_error_b: FloatArray


@dataclass(frozen=True)
class GradientCheck:
    layers: list[LayerCheck]
    eps: float

    @property
    def max_rel_error(self) -> float:
        return max(
            max(float(c.rel_error_w.max()), float(c.rel_error_b.max()))
            for c in self.layers
        )


def relative_error(numeric: FloatArray, backprop: FloatArray) -> FloatArray:
    """Return |n - b| / max(|n|, |b|, RELATIVE_ERROR_FLOOR) elementwise."""
    scale = np.maximum(
        np.maximum(np.abs(numeric), np.abs(backprop)), RELATIVE_ERROR_FLOOR
    )
    return np.abs(numeric - backprop) / scale


def _numeric_gradient(
    network: Network, x: FloatArray, y: FloatArray, param: FloatArray, eps: float
) -> FloatArray:
    """Return dC/dparam by the fourth-order central difference.

    (8 [C(p+h) - C(p-h)] - [C(p+2h) - C(p-2h)]) / 12h has truncation error
    O(h^4), so h can be large enough (1e-3) that rounding stays near 1e-13.
    param is one of the network's own arrays and is changed in place, then
    restored exactly.
    """
    grad = np.zeros_like(param)
    flat, flat_grad = param.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        original = flat[i]
        costs = []
        for shift in (eps, -eps, 2 * eps, -2 * eps):
            flat[i] = original + shift
            fwd = network.forward(x, y)
            assert fwd.cost is not None
            costs.append(fwd.cost)
        flat[i] = original
        flat_grad[i] = (8 * (costs[0] - costs[1]) - (costs[2] - costs[3])) / (12 * eps)
    return grad


def gradient_check(
    network: Network, x: Any, y: Any, eps: float = 1e-3
) -> GradientCheck:
    """Compare dC/dw and dC/db from backprop with finite differences for (x, y).

    C is the mean cost over the examples in x, without the L2 term. The
    network is left exactly as it was.
    """
    trace = network.backward(x, y)
    fwd = trace.forward
    assert fwd.y is not None
    work = network.copy()
    layers = []
    for l in range(1, network.num_layers + 1):
        numeric_w = _numeric_gradient(work, fwd.x, fwd.y, work.weights[l - 1], eps)
        numeric_b = _numeric_gradient(work, fwd.x, fwd.y, work.biases[l - 1], eps)
        backprop_w, backprop_b = trace.grad_w[l - 1], trace.grad_b[l - 1]
        layers.append(
            LayerCheck(
                layer=l,
                numeric_w=numeric_w,
                backprop_w=backprop_w,
                rel_error_w=relative_error(numeric_w, backprop_w),
                numeric_b=numeric_b,
                backprop_b=backprop_b,
                rel_error_b=relative_error(numeric_b, backprop_b),
            )
        )
    return GradientCheck(layers=layers, eps=eps)
