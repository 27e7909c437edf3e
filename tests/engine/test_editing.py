"""Editing parameters and settings of a network, and resetting it."""

import numpy as np
import pytest

from app.engine import Network, NetworkConfig

from . import reference

CONFIG = NetworkConfig(sizes=(3, 4, 2), seed=21, eta=0.5, batch_size=4, mu=0.5)
EXPLICIT_W = [
    [[0.1, 0.2, 0.3], [-0.1, -0.2, -0.3], [0.5, 0.0, 0.5], [1.0, 2.0, 3.0]],
    [[0.4, -0.4, 0.4, -0.4], [0.0, 1.0, 0.0, 1.0]],
]
EXPLICIT_B = [[0.0, 0.1, 0.2, 0.3], [-1.0, 1.0]]


def _data() -> tuple[np.ndarray, np.ndarray]:
    return reference.random_examples(CONFIG, 10, np.random.default_rng(21))


def test_set_weight_changes_one_entry() -> None:
    network = Network(CONFIG)
    before = [w.copy() for w in network.weights]

    network.set_weight(2, 1, 3, 7.25)

    assert network.weights[1][1, 3] == 7.25
    expected = before[1].copy()
    expected[1, 3] = 7.25
    assert np.array_equal(network.weights[1], expected)
    assert np.array_equal(network.weights[0], before[0])


def test_set_weight_changes_forward_pass() -> None:
    network = Network(CONFIG)
    x, y = _data()

    network.set_weight(1, 0, 2, -3.0)
    network.set_bias(2, 1, 0.75)

    expected = reference.mean_cost(network.weights, network.biases, x, y, CONFIG)
    assert network.biases[1][1] == 0.75
    assert network.forward(x, y).cost == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize(
    ("l", "j", "k", "message"),
    [
        (0, 0, 0, "layer must be between 1 and 2"),
        (3, 0, 0, "layer must be between 1 and 2"),
        (1, 4, 0, "j must be between 0 and 3"),
        (1, -1, 0, "j must be between 0 and 3"),
        (1, 0, 3, "k must be between 0 and 2"),
        (2, 0, 4, "k must be between 0 and 3"),
    ],
)
def test_set_weight_rejects_bad_index(l: int, j: int, k: int, message: str) -> None:
    network = Network(CONFIG)
    before = reference.snapshot(network)

    with pytest.raises(ValueError, match=message):
        network.set_weight(l, j, k, 1.0)

    assert reference.snapshot(network) == before


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_set_weight_and_bias_reject_non_finite(value: float) -> None:
    network = Network(CONFIG)
    before = reference.snapshot(network)

    with pytest.raises(ValueError, match="value must be finite"):
        network.set_weight(1, 0, 0, value)
    with pytest.raises(ValueError, match="value must be finite"):
        network.set_bias(1, 0, value)

    assert reference.snapshot(network) == before


@pytest.mark.parametrize("value", [None, "abc", [1.0]])
def test_set_weight_rejects_non_number(value: object) -> None:
    network = Network(CONFIG)
    before = reference.snapshot(network)

    with pytest.raises(ValueError, match="value must be a finite number"):
        network.set_weight(1, 0, 0, value)  # type: ignore[arg-type]

    assert reference.snapshot(network) == before


def test_set_bias_rejects_bad_index() -> None:
    network = Network(CONFIG)

    with pytest.raises(ValueError, match="j must be between 0 and 1"):
        network.set_bias(2, 2, 0.0)


def test_set_parameters_replaces_all() -> None:
    network = Network(CONFIG)

    network.set_parameters(EXPLICIT_W, EXPLICIT_B)

    assert [w.tolist() for w in network.weights] == EXPLICIT_W
    assert [b.tolist() for b in network.biases] == EXPLICIT_B


def test_set_parameters_copies_input() -> None:
    network = Network(CONFIG)
    weights = [np.array(w) for w in EXPLICIT_W]

    network.set_parameters(weights, EXPLICIT_B)
    weights[0][0, 0] = 99.0

    assert network.weights[0][0, 0] == EXPLICIT_W[0][0][0]


def test_edits_keep_velocities() -> None:
    network = Network(CONFIG)
    x, y = _data()
    network.step(x[:4], y[:4])
    velocities = [v.copy() for v in (*network.velocity_w, *network.velocity_b)]
    assert any(v.any() for v in velocities)

    network.set_parameters(EXPLICIT_W, EXPLICIT_B)
    network.set_weight(1, 0, 0, 2.0)
    network.set_bias(1, 0, -2.0)

    after_edits = [*network.velocity_w, *network.velocity_b]
    pairs = zip(after_edits, velocities, strict=True)
    assert all(np.array_equal(a, b) for a, b in pairs)
    network.reset()
    assert not any(v.any() for v in (*network.velocity_w, *network.velocity_b))


def test_set_parameters_rejects_bad_shape() -> None:
    network = Network(CONFIG)
    before = reference.snapshot(network)

    with pytest.raises(ValueError, match=r"w\^2\) has shape \(4, 2\)"):
        network.set_parameters([EXPLICIT_W[0], np.zeros((4, 2))], EXPLICIT_B)

    assert reference.snapshot(network) == before


def test_set_config_applies_to_next_step() -> None:
    network = Network(CONFIG.replace(mu=0.0))
    x, y = _data()

    network.set_config(eta=0.125, batch_size=3, lmbda=0.0, mu=0.0)
    indices = network.next_batch_indices(len(x))
    w_before = network.weights[0].copy()
    grad_w = network.backward(x[indices], y[indices]).grad_w[0]
    result = network.step_next_batch(x, y)

    assert network.config.eta == 0.125
    assert network.config.batch_size == 3
    assert result.m == 3
    assert result.eta == 0.125
    assert network.weights[0].tobytes() == (w_before - 0.125 * grad_w).tobytes()


def test_reset_restores_seeded_parameters() -> None:
    network = Network(CONFIG)
    x, y = _data()
    network.train_steps(x, y, 4)
    network.set_weight(1, 0, 0, 5.0)
    network.set_config(eta=0.01)

    network.reset()

    assert reference.parameters_equal(network, Network(CONFIG))
    assert all(not v.any() for v in network.velocity_w)
    assert all(not v.any() for v in network.velocity_b)
    assert network.steps == 0
    assert network.epochs == 0
    assert network.examples_seen == 0
    assert network.epoch_position == 0


def test_reset_restores_explicit_parameters() -> None:
    network = Network(CONFIG, EXPLICIT_W, EXPLICIT_B)
    x, y = _data()
    network.train_steps(x, y, 3)
    network.set_parameters([np.ones((4, 3)), np.ones((2, 4))], [np.ones(4), np.ones(2)])
    network.set_weight(1, 1, 1, -8.0)

    network.reset()

    assert [w.tolist() for w in network.weights] == EXPLICIT_W
    assert [b.tolist() for b in network.biases] == EXPLICIT_B
    assert network.steps == 0


def test_reset_gives_same_training_run() -> None:
    network = Network(CONFIG)
    x, y = _data()
    network.train_steps(x, y, 6)
    first_run = reference.snapshot(network)

    network.reset()
    network.train_steps(x, y, 6)

    assert reference.snapshot(network) == first_run


def test_explicit_parameters_are_copied() -> None:
    weights = [np.array(w) for w in EXPLICIT_W]
    network = Network(CONFIG, weights, EXPLICIT_B)

    weights[1][0, 0] = 123.0
    network.set_weight(1, 0, 0, 9.0)
    network.reset()

    assert network.weights[1][0, 0] == EXPLICIT_W[1][0][0]
    assert network.weights[0][0, 0] == EXPLICIT_W[0][0][0]
