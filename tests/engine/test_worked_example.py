"""A 2-2-2 sigmoid network with quadratic cost, worked by hand with scalar formulas.

The numbers are those of Matt Mazur's "A Step by Step Backpropagation
Example" (2015): inputs 0.05 and 0.10, targets 0.01 and 0.99, eta 0.5.
Mazur names the weights w1..w8. In this project w^l_jk is the weight to
neuron j of layer l from neuron k of layer l - 1. j and k count from 0, and
the input is layer 0. So Mazur's w1 (input 1 to hidden 1) is w^1_00, w2 is
w^1_01, w3 is w^1_10 and w4 is w^1_11. His w5..w8 are w^2_00, w^2_01,
w^2_10 and w^2_11.
"""

import math

import numpy as np
import pytest

from app.engine import Network, NetworkConfig

W1 = [[0.15, 0.20], [0.25, 0.30]]
B1 = [0.35, 0.35]
W2 = [[0.40, 0.45], [0.50, 0.55]]
B2 = [0.60, 0.60]
X = [0.05, 0.10]
Y = [0.01, 0.99]
ETA = 0.5
TOLERANCE = 1e-12


def s(z: float) -> float:
    """Return the logistic sigmoid 1 / (1 + e^-z)."""
    return 1.0 / (1.0 + math.exp(-z))


def hand_forward(
    w1: list[list[float]], b1: list[float], w2: list[list[float]], b2: list[float]
) -> dict[str, float]:
    """Return every z, a and the cost of the 2-2-2 network, written out by hand."""
    v: dict[str, float] = {}
    v["z1_0"] = w1[0][0] * X[0] + w1[0][1] * X[1] + b1[0]
    v["z1_1"] = w1[1][0] * X[0] + w1[1][1] * X[1] + b1[1]
    v["a1_0"] = s(v["z1_0"])
    v["a1_1"] = s(v["z1_1"])
    v["z2_0"] = w2[0][0] * v["a1_0"] + w2[0][1] * v["a1_1"] + b2[0]
    v["z2_1"] = w2[1][0] * v["a1_0"] + w2[1][1] * v["a1_1"] + b2[1]
    v["a2_0"] = s(v["z2_0"])
    v["a2_1"] = s(v["z2_1"])
    v["cost"] = 0.5 * (Y[0] - v["a2_0"]) ** 2 + 0.5 * (Y[1] - v["a2_1"]) ** 2
    return v


def hand_backward(v: dict[str, float]) -> dict[str, float]:
    """Return grad_a C, s'(z), delta, dC/db and dC/dw, written out by hand."""
    g: dict[str, float] = {}
    for j in (0, 1):
        a2 = v[f"a2_{j}"]
        g[f"grad_a_{j}"] = a2 - Y[j]
        g[f"sp2_{j}"] = a2 * (1.0 - a2)
        # BP1: delta^2_j = (a^2_j - y_j) s'(z^2_j)
        g[f"delta2_{j}"] = g[f"grad_a_{j}"] * g[f"sp2_{j}"]
    for k in (0, 1):
        a1 = v[f"a1_{k}"]
        g[f"sp1_{k}"] = a1 * (1.0 - a1)
        # BP2: delta^1_k = (w^2_0k delta^2_0 + w^2_1k delta^2_1) s'(z^1_k)
        back = W2[0][k] * g["delta2_0"] + W2[1][k] * g["delta2_1"]
        g[f"delta1_{k}"] = back * g[f"sp1_{k}"]
    for j in (0, 1):
        # BP3: dC/db^l_j = delta^l_j; BP4: dC/dw^l_jk = a^{l-1}_k delta^l_j
        g[f"grad_b1_{j}"] = g[f"delta1_{j}"]
        g[f"grad_b2_{j}"] = g[f"delta2_{j}"]
        for k in (0, 1):
            g[f"grad_w1_{j}{k}"] = X[k] * g[f"delta1_{j}"]
            g[f"grad_w2_{j}{k}"] = v[f"a1_{k}"] * g[f"delta2_{j}"]
    return g


def hand_update(
    g: dict[str, float],
) -> tuple[list[list[list[float]]], list[list[float]]]:
    """Return w - eta dC/dw and b - eta dC/db for both layers."""
    w1 = [[W1[j][k] - ETA * g[f"grad_w1_{j}{k}"] for k in (0, 1)] for j in (0, 1)]
    w2 = [[W2[j][k] - ETA * g[f"grad_w2_{j}{k}"] for k in (0, 1)] for j in (0, 1)]
    b1 = [B1[j] - ETA * g[f"grad_b1_{j}"] for j in (0, 1)]
    b2 = [B2[j] - ETA * g[f"grad_b2_{j}"] for j in (0, 1)]
    return [w1, w2], [b1, b2]


@pytest.fixture
def network() -> Network:
    config = NetworkConfig(
        sizes=(2, 2, 2),
        hidden_activation="sigmoid",
        output_activation="sigmoid",
        cost="quadratic",
        eta=ETA,
        batch_size=1,
    )
    return Network(config, [W1, W2], [B1, B2])


def test_forward_trace(network: Network) -> None:
    v = hand_forward(W1, B1, W2, B2)

    trace = network.forward(X, Y)

    for l in (1, 2):
        for j in (0, 1):
            assert trace.z[l - 1][0, j] == pytest.approx(v[f"z{l}_{j}"], abs=TOLERANCE)
            assert trace.a[l][0, j] == pytest.approx(v[f"a{l}_{j}"], abs=TOLERANCE)
    assert trace.a[0][0].tolist() == X
    assert trace.output[0, 1] == pytest.approx(v["a2_1"], abs=TOLERANCE)
    assert trace.cost == pytest.approx(v["cost"], abs=TOLERANCE)


def test_backward_trace(network: Network) -> None:
    g = hand_backward(hand_forward(W1, B1, W2, B2))

    trace = network.backward(X, Y)

    assert trace.equation == ["BP2", "BP1"]
    for j in (0, 1):
        assert trace.grad_a[0, j] == pytest.approx(g[f"grad_a_{j}"], abs=TOLERANCE)
        for l in (1, 2):
            sp = trace.forward.sp[l - 1][0, j]
            assert sp == pytest.approx(g[f"sp{l}_{j}"], abs=TOLERANCE)
            delta = trace.delta[l - 1][0, j]
            assert delta == pytest.approx(g[f"delta{l}_{j}"], abs=TOLERANCE)
            grad_b = trace.grad_b[l - 1][j]
            assert grad_b == pytest.approx(g[f"grad_b{l}_{j}"], abs=TOLERANCE)
            for k in (0, 1):
                grad_w = trace.grad_w[l - 1][j, k]
                expected = g[f"grad_w{l}_{j}{k}"]
                assert grad_w == pytest.approx(expected, abs=TOLERANCE)


def test_step_updates(network: Network) -> None:
    g = hand_backward(hand_forward(W1, B1, W2, B2))
    weights, biases = hand_update(g)
    cost_after = hand_forward(weights[0], biases[0], weights[1], biases[1])["cost"]

    result = network.step(X, Y)

    assert result.m == 1
    assert result.eta == ETA
    assert result.cost_before == pytest.approx(hand_forward(W1, B1, W2, B2)["cost"])
    assert result.cost_after == pytest.approx(cost_after, abs=TOLERANCE)
    for l in (1, 2):
        assert result.weights_before[l - 1].tolist() == [W1, W2][l - 1]
        assert result.biases_before[l - 1].tolist() == [B1, B2][l - 1]
        np.testing.assert_allclose(
            result.weights_after[l - 1], weights[l - 1], rtol=0, atol=TOLERANCE
        )
        np.testing.assert_allclose(
            result.biases_after[l - 1], biases[l - 1], rtol=0, atol=TOLERANCE
        )
        np.testing.assert_allclose(
            network.weights[l - 1], weights[l - 1], rtol=0, atol=TOLERANCE
        )
    assert network.steps == 1
    assert network.examples_seen == 1


# Values printed in Mazur's article, rounded to 9 significant digits there.
PUBLISHED_FORWARD = {"a1_0": 0.593269992, "a1_1": 0.596884378, "cost": 0.298371109}
PUBLISHED_OUTPUTS = [0.75136507, 0.772928465]
PUBLISHED_WEIGHTS_AFTER = {
    (1, 0, 0): 0.149780716,  # w1
    (1, 0, 1): 0.19956143,  # w2
    (1, 1, 0): 0.24975114,  # w3
    (1, 1, 1): 0.29950229,  # w4
    (2, 0, 0): 0.35891648,  # w5
    (2, 0, 1): 0.408666186,  # w6
    (2, 1, 0): 0.511301270,  # w7
    (2, 1, 1): 0.561370121,  # w8
}


def test_published_values(network: Network) -> None:
    trace = network.forward(X, Y)
    assert trace.a[1][0, 0] == pytest.approx(PUBLISHED_FORWARD["a1_0"], abs=1e-8)
    assert trace.a[1][0, 1] == pytest.approx(PUBLISHED_FORWARD["a1_1"], abs=1e-8)
    assert trace.cost == pytest.approx(PUBLISHED_FORWARD["cost"], abs=1e-8)
    np.testing.assert_allclose(trace.output[0], PUBLISHED_OUTPUTS, rtol=0, atol=1e-8)

    network.step(X, Y)

    for (l, j, k), value in PUBLISHED_WEIGHTS_AFTER.items():
        assert network.weights[l - 1][j, k] == pytest.approx(value, abs=1e-8)
