"""A step whose mini-batch cost overflows is rejected, though w and b stay finite.

With sizes [1, 1], identity output and quadratic cost, a = w x + b and
C = (a - y)^2 / 2 overflows float64 once |a - y| exceeds about 1.9e154, while
w itself can still be far below the largest float (about 1.8e308).
"""

import numpy as np
import pytest

from app.engine import DivergenceError, Network, NetworkConfig


def _identity_network(w: float, eta: float, mu: float = 0.0) -> Network:
    config = NetworkConfig(
        sizes=(1, 1),
        hidden_activation="identity",
        output_activation="identity",
        eta=eta,
        mu=mu,
    )
    return Network(config, weights=[[[w]]], biases=[[0.0]])


def _snapshot(network: Network) -> list[bytes]:
    arrays = [
        *network.weights,
        *network.biases,
        *network.velocity_w,
        *network.velocity_b,
    ]
    return [array.tobytes() for array in arrays]


X = np.array([[1.0]])
Y = np.array([[0.0]])


@pytest.mark.parametrize("mu", [0.0, 0.5])
def test_infinite_cost_after_is_rejected(mu: float) -> None:
    # C before = (1e150)^2 / 2 = 5e299 is finite; w after = 1e150 - 1e6 * 1e150
    # is finite too, but C after = (1e156)^2 / 2 overflows.
    network = _identity_network(1e150, eta=1e6, mu=mu)
    before = _snapshot(network)

    with pytest.raises(DivergenceError) as caught:
        network.step(X, Y)

    assert caught.value.quantity == "cost"
    assert caught.value.layer == 1
    assert caught.value.after_update
    assert "try a smaller learning rate" in str(caught.value)
    assert _snapshot(network) == before
    assert network.steps == 0
    assert network.examples_seen == 0


def test_infinite_cost_before_is_rejected() -> None:
    # a = 1e200, so C = 5e399 overflows before any update.
    network = _identity_network(1e200, eta=1e-300)
    before = _snapshot(network)

    with pytest.raises(DivergenceError) as caught:
        network.step(X, Y)

    assert caught.value.quantity == "cost"
    assert caught.value.layer == 1
    # eta = 1e-300 is not to blame, and the message must not say it is.
    assert not caught.value.after_update
    message = str(caught.value)
    assert "before the update" in message
    assert "smaller learning rate" not in message
    assert "learning rate of this step played no part" in message
    assert _snapshot(network) == before
    assert network.steps == 0


def test_rejected_step_leaves_next_batch_unchanged() -> None:
    network = _identity_network(1e150, eta=1e6)
    x_train = np.array([[1.0], [0.5], [0.25]])
    y_train = np.zeros((3, 1))
    first = network.next_batch_indices(3)

    with pytest.raises(DivergenceError):
        network.step_next_batch(x_train, y_train)

    assert network.epoch_position == 0
    assert network.next_batch_indices(3).tolist() == first.tolist()


def test_finite_large_cost_is_accepted() -> None:
    # C after = (1e6 * 1e100)^2 / 2 = 5e211 is large but finite.
    network = _identity_network(1e100, eta=1e6)

    result = network.step(X, Y)

    assert np.isfinite(result.cost_after)
    assert network.steps == 1
