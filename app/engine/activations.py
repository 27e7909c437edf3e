"""Activation functions sigma(z) and their derivatives sigma'(z).

Every function takes z of shape (m, n_l), one row per example, and returns an
array of the same shape. The derivatives are elementwise except for softmax,
whose Jacobian couples the outputs. So softmax is allowed only in the output
layer, where BP1 is applied with the full Jacobian (see ``costs.delta_output``).
"""

from collections.abc import Callable

import numpy as np

FloatArray = np.ndarray

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
OUTPUT_ACTIVATIONS = (*HIDDEN_ACTIVATIONS, "softmax")
ACTIVATIONS = OUTPUT_ACTIVATIONS


def sigmoid(z: FloatArray) -> FloatArray:
    """Return 1 / (1 + e^-z) without overflow for any finite z.

    e^-z overflows for z below about -709, so z is clamped at -708 first.
    That changes only results below sigmoid(-708) ~ 3.3e-308, which are
    subnormal numbers or 0 in float64 anyway. The clamp is faster than the
    usual two-branch form, and the costs that need ln(sigmoid) use z directly.
    """
    return 1.0 / (1.0 + np.exp(-np.maximum(z, -708.0)))


def sigmoid_prime(z: FloatArray, a: FloatArray) -> FloatArray:
    return a * (1.0 - a)


def tanh_prime(z: FloatArray, a: FloatArray) -> FloatArray:
    return 1.0 - a * a


def relu(z: FloatArray) -> FloatArray:
    return np.maximum(z, 0.0)


def relu_prime(z: FloatArray, a: FloatArray) -> FloatArray:
    # ReLU has no derivative at z = 0; we take 0 there, as most libraries do.
    return (z > 0).astype(np.float64)


def identity(z: FloatArray) -> FloatArray:
    return z.copy()


def identity_prime(z: FloatArray, a: FloatArray) -> FloatArray:
    return np.ones_like(z)


def softmax(z: FloatArray) -> FloatArray:
    """Return e^z_j / sum_k e^z_k per row, shifted by max(z) so e^z cannot overflow."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_prime(z: FloatArray, a: FloatArray) -> FloatArray:
    """Return the diagonal of the softmax Jacobian, da_j/dz_j = a_j (1 - a_j).

    Only shown to students as s'(z); the off-diagonal terms -a_j a_k are used
    in BP1 by ``costs.delta_output``.
    """
    return a * (1.0 - a)


def make_leaky_relu(
    slope: float,
) -> tuple[Callable[[FloatArray], FloatArray], Callable[..., FloatArray]]:
    def leaky_relu(z: FloatArray) -> FloatArray:
        return np.where(z > 0, z, slope * z)

    def leaky_relu_prime(z: FloatArray, a: FloatArray) -> FloatArray:
        # As for ReLU, the derivative at z = 0 is taken from the left: slope.
        return np.where(z > 0, 1.0, slope)

    return leaky_relu, leaky_relu_prime


Activation = tuple[Callable[[FloatArray], FloatArray], Callable[..., FloatArray]]


def activation(name: str, leaky_slope: float = 0.01) -> Activation:
    """Return (sigma, sigma_prime) for a name; sigma_prime takes (z, a)."""
    if name == "sigmoid":
        return sigmoid, sigmoid_prime
    if name == "tanh":
        return np.tanh, tanh_prime
    if name == "relu":
        return relu, relu_prime
    if name == "leaky_relu":
        return make_leaky_relu(leaky_slope)
    if name == "identity":
        return identity, identity_prime
    if name == "softmax":
        return softmax, softmax_prime
    raise ValueError(
        f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}"
    )
