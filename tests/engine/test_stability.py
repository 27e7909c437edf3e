"""Saturated outputs with |z| up to 1e4: no warnings, finite and correct values.

The expected costs and deltas are computed from z with the decimal module at
60 significant digits. 1 - a is written as a ratio of exponentials, so the
oracle stays exact where a rounds to 1 in float64.
"""

import decimal
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import numpy as np
import pytest

from app.engine import Network, NetworkConfig

from . import reference

CONTEXT = decimal.Context(prec=60)

# z^L of the output layer; each has entries near +-1e4 or saturates float64.
Z_CASES = [
    [1e4, -1e4, 0.5],
    [-1e4, 1e4, 9995.0],
    [40.0, -40.0, 0.0],
    [800.0, 0.0, -800.0],
    # softmax output 0 is about e^-721, a subnormal float, and 1/a overflows.
    [-720.0, 0.0, 1.0],
]
COMBINATIONS = [
    ("sigmoid", "quadratic"),
    ("sigmoid", "cross_entropy"),
    ("tanh", "quadratic"),
    ("softmax", "quadratic"),
    ("softmax", "cross_entropy"),
    ("softmax", "log_likelihood"),
]
W2 = np.array([[2.0, 3.0], [-1.0, 4.0], [0.5, -2.0]])


@contextmanager
def strict_floats() -> Iterator[None]:
    """Turn warnings and numpy overflow, division and invalid results into errors.

    Underflow to 0 or a subnormal is expected for e^-1e4 and stays allowed.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            yield


def _targets(output: str) -> list[list[float]]:
    if output == "softmax":
        return [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    if output == "tanh":
        return [[-1.0, 1.0, 0.2], [1.0, -1.0, 0.0]]
    return [[0.0, 1.0, 0.3], [1.0, 0.0, 0.0], [1.0, 1.0, 1.0]]


def _network(hidden: str, output: str, cost: str, z_out: list[float]) -> Network:
    """Return a 2-2-3 network whose hidden z is +-1e4 and whose output z is z_out.

    With x = [1, -1] the hidden layer gets z^1 = [1e4, -1e4], so tanh gives
    a^1 = [1, -1] and sigmoid gives a^1 = [1, 0] up to a subnormal number.
    Then b^2 = z_out - w^2 a^1 sets z^2.
    """
    config = NetworkConfig(
        sizes=(2, 2, 3),
        hidden_activation=hidden,
        output_activation=output,
        cost=cost,
        eta=0.1,
    )
    w1 = np.array([[5000.0, -5000.0], [-4000.0, 6000.0]])
    a1 = np.array([1.0, -1.0] if hidden == "tanh" else [1.0, 0.0])
    b2 = np.array(z_out) - W2 @ a1
    return Network(config, [w1, W2], [np.zeros(2), b2])


def oracle(
    output: str, cost: str, z: np.ndarray, y: np.ndarray
) -> tuple[float, list[float]]:
    """Return C_x and delta^L = dC_x/dz^L for one example, from z, in decimal."""
    with decimal.localcontext(CONTEXT):
        return _oracle(output, cost, z, y)


def _oracle(
    output: str, cost: str, z: np.ndarray, y: np.ndarray
) -> tuple[float, list[float]]:
    zd = [Decimal(float(v)) for v in z]
    yd = [Decimal(float(v)) for v in y]
    n = len(zd)
    zero, one = Decimal(0), Decimal(1)
    if output == "sigmoid":
        a = [one / (one + (-v).exp()) for v in zd]
        c = [one / (one + v.exp()) for v in zd]  # 1 - a
        sp = [ai * ci for ai, ci in zip(a, c, strict=True)]
    elif output == "tanh":
        a = [(v.exp() - (-v).exp()) / (v.exp() + (-v).exp()) for v in zd]
        c = [one - ai for ai in a]
        sp = [one - ai * ai for ai in a]
    else:
        e = [v.exp() for v in zd]
        total = sum(e, zero)
        a = [ei / total for ei in e]
        # 1 - a_j as the sum of the other exponentials, with no subtraction.
        c = [sum((e[k] for k in range(n) if k != j), zero) / total for j in range(n)]
        sp = [ai * ci for ai, ci in zip(a, c, strict=True)]

    if cost == "quadratic":
        value = sum(((yi - ai) ** 2 for yi, ai in zip(yd, a, strict=True)), zero) / 2
        g = [ai - yi for ai, yi in zip(a, yd, strict=True)]
    elif cost == "cross_entropy":
        terms = (yd[j] * a[j].ln() + (one - yd[j]) * c[j].ln() for j in range(n))
        value = -sum(terms, zero)
        g = [-yd[j] / a[j] + (one - yd[j]) / c[j] for j in range(n)]
    else:
        value = -sum((yd[j] * a[j].ln() for j in range(n)), zero)
        g = [-yd[j] / a[j] for j in range(n)]

    if output != "softmax":
        delta = [g[j] * sp[j] for j in range(n)]
    else:
        # delta_j = a_j (g_j - sum_k g_k a_k), with g_j (1 - a_j) taken from the
        # exact complement so that no huge terms cancel.
        delta = [
            a[j] * g[j] * c[j]
            - a[j] * sum((g[k] * a[k] for k in range(n) if k != j), zero)
            for j in range(n)
        ]
    return float(value), [float(d) for d in delta]


CASES = [
    pytest.param(hidden, output, cost, z, id=f"{hidden}-{output}-{cost}-{i}")
    for hidden in ("sigmoid", "tanh")
    for output, cost in COMBINATIONS
    for i, z in enumerate(Z_CASES)
]


@pytest.mark.parametrize(("hidden", "output", "cost", "z_out"), CASES)
def test_saturated_pass_is_finite_and_exact(
    hidden: str, output: str, cost: str, z_out: list[float]
) -> None:
    network = _network(hidden, output, cost, z_out)
    x = [[1.0, -1.0]] * len(_targets(output))
    y = np.array(_targets(output))

    with strict_floats():
        trace = network.backward(x, y)
        predicted = network.predict(x)
        evaluated = network.evaluate(x, y)

    costs = trace.forward.costs
    assert costs is not None
    assert np.abs(trace.forward.z[0]).max() == 1e4
    np.testing.assert_allclose(trace.forward.z[1][0], z_out, rtol=1e-15)
    assert np.isfinite(costs).all()
    assert np.isfinite(predicted).all()
    assert np.isfinite(evaluated["cost"])
    for l in (1, 2):
        assert np.isfinite(trace.delta[l - 1]).all()
        assert np.isfinite(trace.grad_w[l - 1]).all()
        assert np.isfinite(trace.grad_b[l - 1]).all()
    for i in range(y.shape[0]):
        value, delta = oracle(output, cost, trace.forward.z[1][i], y[i])
        assert costs[i] == pytest.approx(value, rel=1e-12, abs=1e-15)
        np.testing.assert_allclose(trace.delta[1][i], delta, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("output", "cost"), COMBINATIONS)
def test_saturated_step_is_accepted(output: str, cost: str) -> None:
    network = _network("tanh", output, cost, Z_CASES[0])
    x = [[1.0, -1.0]] * len(_targets(output))

    with strict_floats():
        result = network.step(x, _targets(output))

    assert np.isfinite(result.cost_before)
    assert np.isfinite(result.cost_after)
    assert network.steps == 1


def test_cross_entropy_of_saturated_sigmoid_is_softplus() -> None:
    # sigmoid(40) rounds to 1.0 in float64, yet C = ln(1 + e^40) for y = 0.
    network = _network("tanh", "sigmoid", "cross_entropy", [40.0, -40.0, 1e4])
    y = [[0.0, 1.0, 0.0]]

    with strict_floats():
        trace = network.forward([[1.0, -1.0]], y)

    assert trace.a[2][0, 0] == 1.0
    expected = 40.0 + np.log1p(np.exp(-40.0)) + (40.0 + np.log1p(np.exp(-40.0))) + 1e4
    assert trace.cost == pytest.approx(expected, rel=1e-15)


def test_log_likelihood_of_saturated_softmax() -> None:
    network = _network("tanh", "softmax", "log_likelihood", [1e4, -1e4, 0.0])

    with strict_floats():
        trace = network.forward([[1.0, -1.0]], [[0.0, 0.0, 1.0]])

    # -ln a_3 = ln(e^1e4 + e^-1e4 + 1) - 0, which is 1e4 in float64.
    assert trace.a[2][0, 2] == 0.0
    assert trace.cost == 1e4


def test_reference_agrees_with_oracle_unsaturated() -> None:
    # The decimal oracle and the naive numpy formulas agree where both apply.
    z = np.array([[0.3, -1.2, 2.0]])
    y = np.array([[0.0, 1.0, 0.0]])
    for output, cost in COMBINATIONS:
        expected = float(reference.cost_per_example(cost, output, z, y)[0])
        value, _ = oracle(output, cost, z[0], y[0])
        assert value == pytest.approx(expected, rel=1e-13)
