"""Seeded initialisation, epoch order, and step_next_batch against train_steps."""

import numpy as np
import pytest

from app.engine import Network, NetworkConfig

from . import reference

N_TRAIN = 23


def _training_set(config: NetworkConfig) -> tuple[np.ndarray, np.ndarray]:
    return reference.random_examples(config, N_TRAIN, np.random.default_rng(99))


def _expected_counters(batch_size: int, steps: int, n_train: int) -> dict[str, int]:
    """Simulate the epoch bookkeeping: the last batch of an epoch may be short."""
    position = epochs = seen = 0
    for _ in range(steps):
        m = min(batch_size, n_train - position)
        seen += m
        position += m
        if position == n_train:
            epochs += 1
            position = 0
    return {
        "steps": steps,
        "epochs": epochs,
        "examples_seen": seen,
        "epoch_position": position,
    }


def _counters(network: Network) -> dict[str, int]:
    return {
        "steps": network.steps,
        "epochs": network.epochs,
        "examples_seen": network.examples_seen,
        "epoch_position": network.epoch_position,
    }


@pytest.mark.parametrize("init", ["normal", "scaled"])
def test_same_seed_same_parameters(init: str) -> None:
    config = NetworkConfig(sizes=(4, 5, 3, 2), seed=1234, init=init)

    first, second = Network(config), Network(config)

    assert reference.parameters_equal(first, second)


@pytest.mark.parametrize("init", ["normal", "scaled"])
def test_initial_draw_order_is_stable(init: str) -> None:
    # Saved documents without explicit parameters are redrawn from the seed
    # on load and on reset, so the order of draws must never change: biases
    # of layers 1..L first, then weights, all from default_rng(seed).
    sizes = (3, 5, 2)
    rng = np.random.default_rng(31)
    biases = [rng.standard_normal(n) for n in sizes[1:]]
    weights = [rng.standard_normal((5, 3)), rng.standard_normal((2, 5))]
    if init == "scaled":
        weights = [weights[0] / np.sqrt(3), weights[1] / np.sqrt(5)]

    network = Network(NetworkConfig(sizes=sizes, seed=31, init=init))

    for l in (1, 2):
        assert network.weights[l - 1].tobytes() == weights[l - 1].tobytes()
        assert network.biases[l - 1].tobytes() == biases[l - 1].tobytes()


def test_epoch_order_draw_is_stable() -> None:
    # Each epoch's order comes from default_rng([seed, epoch, n_train]), so a
    # saved network resumes with the same mini-batches.
    config = NetworkConfig(sizes=(3, 2), seed=32, batch_size=N_TRAIN)
    x, y = _training_set(config)
    network = Network(config)

    for epoch in range(3):
        expected = np.random.default_rng([32, epoch, N_TRAIN]).permutation(N_TRAIN)
        result = network.step_next_batch(x, y)
        assert result.indices is not None
        assert result.indices.tolist() == expected.tolist()


def test_different_seeds_differ() -> None:
    first = Network(NetworkConfig(sizes=(4, 5, 3), seed=1))
    second = Network(NetworkConfig(sizes=(4, 5, 3), seed=2))

    for w1, w2 in zip(first.weights, second.weights, strict=True):
        assert not np.array_equal(w1, w2)
    for b1, b2 in zip(first.biases, second.biases, strict=True):
        assert not np.array_equal(b1, b2)


def test_normal_init_is_standard_normal() -> None:
    network = Network(NetworkConfig(sizes=(300, 400, 2), seed=3, init="normal"))
    w = network.weights[0]

    assert w.shape == (400, 300)
    # 120000 draws of N(0, 1): the sample mean has standard error 0.003 and
    # the sample variance 0.004, so these bounds are more than 10 of those.
    assert abs(w.mean()) < 0.05
    assert abs(w.var() - 1.0) < 0.05


def test_scaled_init_variance() -> None:
    n_in = 400
    network = Network(NetworkConfig(sizes=(n_in, 300, 2), seed=4, init="scaled"))
    w, b = network.weights[0], network.biases[0]

    # Weights N(0, 1/n_in) (Nielsen ch. 3), biases stay N(0, 1).
    assert abs(w.mean()) < 0.05 / np.sqrt(n_in)
    assert abs(w.var() * n_in - 1.0) < 0.05
    assert abs(b.var() - 1.0) < 0.3
    assert abs(network.weights[1].var() * 300 - 1.0) < 0.5


def test_scaled_differs_from_normal_only_by_scale() -> None:
    normal = Network(NetworkConfig(sizes=(9, 4, 3), seed=5, init="normal"))
    scaled = Network(NetworkConfig(sizes=(9, 4, 3), seed=5, init="scaled"))

    np.testing.assert_allclose(scaled.weights[0] * 3.0, normal.weights[0], rtol=1e-15)
    np.testing.assert_allclose(scaled.weights[1] * 2.0, normal.weights[1], rtol=1e-15)
    assert scaled.biases[0].tobytes() == normal.biases[0].tobytes()


def test_epoch_order_is_reproducible_permutation() -> None:
    config = NetworkConfig(sizes=(2, 2), seed=6, batch_size=N_TRAIN)
    x, y = _training_set(config)
    orders = []
    for _ in range(2):
        network = Network(config)
        epochs = []
        for _ in range(3):
            epochs.append(network.next_batch_indices(N_TRAIN).tolist())
            network.step_next_batch(x, y)
        orders.append(epochs)

    assert orders[0] == orders[1]
    for order in orders[0]:
        assert sorted(order) == list(range(N_TRAIN))
    assert orders[0][0] != orders[0][1]
    assert orders[0][0] != list(range(N_TRAIN))


def test_epoch_order_depends_on_seed() -> None:
    first = Network(NetworkConfig(sizes=(2, 2), seed=7))
    second = Network(NetworkConfig(sizes=(2, 2), seed=8))

    assert (
        first.next_batch_indices(50).tolist() != second.next_batch_indices(50).tolist()
    )


@pytest.mark.parametrize("batch_size", [1, 5, 7, 23, 30])
def test_each_epoch_visits_every_example_once(batch_size: int) -> None:
    config = NetworkConfig(sizes=(3, 2), seed=9, batch_size=batch_size)
    x, y = _training_set(config)
    network = Network(config)
    seen: dict[int, list[int]] = {}

    while network.epochs < 3:
        epoch = network.epochs
        result = network.step_next_batch(x, y)
        assert result.indices is not None
        assert result.m == len(result.indices)
        seen.setdefault(epoch, []).extend(result.indices.tolist())

    for epoch in range(3):
        assert sorted(seen[epoch]) == list(range(N_TRAIN))


@pytest.mark.parametrize("batch_size", [1, 5, 7, 23, 30])
def test_step_next_batch_equals_train_steps(batch_size: int) -> None:
    config = NetworkConfig(
        sizes=(3, 4, 2), seed=10, batch_size=batch_size, eta=0.8, lmbda=0.5, mu=0.3
    )
    x, y = _training_set(config)
    steps = 11
    traced, fast = Network(config), Network(config)

    for _ in range(steps):
        traced.step_next_batch(x, y)
    done = fast.train_steps(x, y, 4) + fast.train_steps(x, y, steps - 4)

    assert done == steps
    assert reference.snapshot(traced) == reference.snapshot(fast)
    assert _counters(fast) == _expected_counters(batch_size, steps, N_TRAIN)
    assert not reference.parameters_equal(fast, Network(config))


def test_traced_and_fast_steps_interleave() -> None:
    config = NetworkConfig(sizes=(3, 4, 2), seed=11, batch_size=7, mu=0.5)
    x, y = _training_set(config)
    mixed, traced = Network(config), Network(config)

    mixed.train_steps(x, y, 2)
    mixed.step_next_batch(x, y)
    mixed.train_steps(x, y, 3)
    for _ in range(6):
        traced.step_next_batch(x, y)

    assert reference.snapshot(mixed) == reference.snapshot(traced)


def test_train_steps_stops_and_reports() -> None:
    config = NetworkConfig(sizes=(3, 2), seed=12, batch_size=4)
    x, y = _training_set(config)
    network = Network(config)
    calls: list[int] = []

    done = network.train_steps(
        x,
        y,
        100,
        should_stop=lambda: len(calls) >= 5,
        on_step=lambda n: calls.append(n.steps),
    )

    assert done == 5
    assert calls == [1, 2, 3, 4, 5]
    assert _counters(network) == _expected_counters(4, 5, N_TRAIN)


def test_batch_size_change_mid_epoch() -> None:
    config = NetworkConfig(sizes=(3, 2), seed=13, batch_size=5)
    x, y = _training_set(config)
    network = Network(config)
    network.step_next_batch(x, y)
    network.step_next_batch(x, y)

    network.set_config(batch_size=9)
    result = network.step_next_batch(x, y)
    network.step_next_batch(x, y)

    # 5 + 5 + 9 examples leave 4 of the 23, so the fourth batch is short.
    assert result.m == 9
    assert network.examples_seen == N_TRAIN
    assert network.epochs == 1
    assert network.epoch_position == 0
