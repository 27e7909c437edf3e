"""Cost functions C_x for one example x, their gradient grad_a C, and BP1.

Arrays have one row per example: z, a and y are (m, n_L). Where a saturates
to exactly 0 or 1 in float64, ln(a) and ln(1 - a) are -inf even though the
true cost is finite. So the costs that take logarithms are computed from z,
where softplus and log-sum-exp give the logarithm without that rounding.
"""

import numpy as np

from app.engine.activations import FloatArray

COSTS = ("quadratic", "cross_entropy", "log_likelihood")


def softplus(x: FloatArray) -> FloatArray:
    """Return ln(1 + e^x) without overflow; -ln(sigmoid(z)) = softplus(-z)."""
    return np.logaddexp(0.0, x)


def log_sum_exp(z: FloatArray) -> FloatArray:
    """Return ln(sum_k e^z_k) per row, shape (m,)."""
    top = z.max(axis=-1)
    return top + np.log(np.exp(z - top[:, None]).sum(axis=-1))


def log_softmax(z: FloatArray) -> FloatArray:
    """Return ln(a_j) for a = softmax(z), shape (m, n).

    Subtracting the row maximum first is exact for the entries near it, so
    ln(a_j) keeps its relative precision when |z| is large. The shorter
    z - log_sum_exp(z) rounds ln(sum_k e^z_k) to the spacing of floats near
    max(z), about 2e-12 at z = 1e4, before the subtraction.
    """
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def log_one_minus_softmax(z: FloatArray) -> FloatArray:
    """Return ln(1 - a_j) for a = softmax(z), shape (m, n), finite for finite z.

    For every output but the largest, a_j <= 1/2 and log1p(-a_j) is exact
    enough. For the largest, 1 - a_j rounds to 0 when it saturates, so it is
    computed as ln(sum_{k != j} e^z_k) - ln(sum_k e^z_k) instead, from z
    shifted by its row maximum for the reason given in ``log_softmax``.
    """
    shifted = z - z.max(axis=-1, keepdims=True)
    with np.errstate(divide="ignore"):
        result = np.log1p(-np.exp(log_softmax(z)))
    rows = np.arange(z.shape[0])
    top = z.argmax(axis=-1)
    others = shifted.copy()
    others[rows, top] = -np.inf
    result[rows, top] = log_sum_exp(others) - np.log(np.exp(shifted).sum(axis=-1))
    return result


def cost_per_example(
    cost: str, output_activation: str, z: FloatArray, a: FloatArray, y: FloatArray
) -> FloatArray:
    """Return C_x for each row, shape (m,)."""
    if cost == "quadratic":
        return 0.5 * ((y - a) ** 2).sum(axis=-1)
    if cost == "log_likelihood":
        # -sum_j y_j ln a_j, which is -ln a_y for a one-hot y.
        return -(y * log_softmax(z)).sum(axis=-1)
    # Cross-entropy: -sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)].
    if output_activation == "sigmoid":
        log_a = -softplus(-z)
        log_1ma = -softplus(z)
    else:
        log_a = log_softmax(z)
        log_1ma = log_one_minus_softmax(z)
    return -(y * log_a + (1.0 - y) * log_1ma).sum(axis=-1)


def grad_a(cost: str, a: FloatArray, y: FloatArray) -> FloatArray:
    """Return grad_a C_x, the partial derivatives dC_x/da^L_j, shape (m, n_L).

    For the cross-entropy and log-likelihood costs this is infinite where
    a saturates to 0 or 1, or where a is a subnormal number whose reciprocal
    overflows. BP1 then uses the exact simplified delta instead.
    """
    if cost == "quadratic":
        return a - y
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if cost == "log_likelihood":
            return -y / a
        return (a - y) / (a * (1.0 - a))


def delta_output(
    cost: str,
    output_activation: str,
    z: FloatArray,
    a: FloatArray,
    y: FloatArray,
    sp: FloatArray,
    g: FloatArray,
) -> FloatArray:
    """Return delta^L = dC_x/dz^L (BP1), shape (m, n_L).

    For an elementwise activation BP1 is delta^L = grad_a C * s'(z^L). Softmax
    couples its outputs, so there BP1 uses the Jacobian da_k/dz_j =
    a_k (delta_kj - a_j): delta_j = a_j (g_j - sum_k a_k g_k) with g = grad_a C.
    Where the product cancels a division, the simplified form is used so that
    saturation cannot make delta 0 * inf.
    """
    if cost == "cross_entropy" and output_activation == "sigmoid":
        return a - y
    if cost == "log_likelihood":
        return a * y.sum(axis=-1, keepdims=True) - y
    if output_activation != "softmax":
        return g * sp
    if cost == "quadratic":
        return a * (g - (a * g).sum(axis=-1, keepdims=True))
    return _delta_softmax_cross_entropy(z, y)


def _delta_softmax_cross_entropy(z: FloatArray, y: FloatArray) -> FloatArray:
    """Return BP1 for softmax outputs and the cross-entropy cost, stably.

    With r_k = (1 - y_k) / (1 - a_k), BP1 simplifies to
    delta_j = -y_j + a_j (n - sum_{k != j} r_k). Only the largest output t
    can have 1 - a_t near 0, and a_j <= 1 - a_t for j != t, so its term
    a_j r_t is computed as (1 - y_t) e^(ln a_j - ln(1 - a_t)), which stays
    finite and exact when a_t saturates.
    """
    n = z.shape[-1]
    rows = np.arange(z.shape[0])
    top = z.argmax(axis=-1)
    log_a = log_softmax(z)
    log_1ma = log_one_minus_softmax(z)
    a = np.exp(log_a)

    # r_k for k != t; r_t itself can overflow, so it is left out before exp.
    log_1ma_rest = log_1ma.copy()
    log_1ma_rest[rows, top] = 0.0
    r_rest = (1.0 - y) * np.exp(-log_1ma_rest)
    r_rest[rows, top] = 0.0
    exponent = log_a - log_1ma[rows, top][:, None]
    exponent[rows, top] = -np.inf
    from_top = (1.0 - y[rows, top])[:, None] * np.exp(exponent)
    return -y + n * a - a * (r_rest.sum(axis=-1, keepdims=True) - r_rest) - from_top
