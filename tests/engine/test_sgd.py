"""The SGD update rule, L2 weight decay and momentum against written-out formulas."""

import numpy as np
import pytest

from app.engine import Network, NetworkConfig

from . import reference


def _batch(config: NetworkConfig, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    return reference.random_examples(config, m, np.random.default_rng(seed))


@pytest.mark.parametrize("eta", [0.5, 3.0, 0.0123])
def test_plain_update_is_exact(eta: float) -> None:
    config = NetworkConfig(sizes=(3, 4, 2), eta=eta, seed=5)
    network = Network(config)
    x, y = _batch(config, 6, seed=5)
    w_before = [w.copy() for w in network.weights]
    b_before = [b.copy() for b in network.biases]
    grads = network.backward(x, y)

    result = network.step(x, y)

    for l in range(1, network.num_layers + 1):
        expected_w = w_before[l - 1] - eta * grads.grad_w[l - 1]
        expected_b = b_before[l - 1] - eta * grads.grad_b[l - 1]
        assert network.weights[l - 1].tobytes() == expected_w.tobytes()
        assert network.biases[l - 1].tobytes() == expected_b.tobytes()
        assert result.weights_before[l - 1].tobytes() == w_before[l - 1].tobytes()
        assert result.weights_after[l - 1].tobytes() == expected_w.tobytes()
        assert result.grad_w[l - 1].tobytes() == grads.grad_w[l - 1].tobytes()
        assert result.grad_b[l - 1].tobytes() == grads.grad_b[l - 1].tobytes()


def test_costs_before_and_after_match_reference() -> None:
    config = NetworkConfig(
        sizes=(2, 3, 3),
        hidden_activation="tanh",
        output_activation="softmax",
        cost="log_likelihood",
        eta=0.7,
        seed=6,
    )
    network = Network(config)
    x, y = _batch(config, 5, seed=6)

    result = network.step(x, y)

    before = reference.mean_cost(
        result.weights_before, result.biases_before, x, y, config
    )
    after = reference.mean_cost(result.weights_after, result.biases_after, x, y, config)
    assert result.cost_before == pytest.approx(before, rel=1e-12)
    assert result.cost_after == pytest.approx(after, rel=1e-12)
    assert result.cost_after < result.cost_before


def test_l2_weight_decay() -> None:
    eta, lmbda, n_train = 0.5, 5.0, 40
    config = NetworkConfig(sizes=(3, 4, 2), eta=eta, lmbda=lmbda, seed=7)
    network = Network(config)
    x, y = _batch(config, 4, seed=7)
    w_before = [w.copy() for w in network.weights]
    b_before = [b.copy() for b in network.biases]
    grads = network.backward(x, y)

    network.step(x, y, n_train=n_train)

    # Nielsen ch. 3: w -> (1 - eta lmbda / n) w - eta dC_0/dw; b is not decayed.
    for l in range(1, network.num_layers + 1):
        expected_w = (1 - eta * lmbda / n_train) * w_before[l - 1] - eta * grads.grad_w[
            l - 1
        ]
        expected_b = b_before[l - 1] - eta * grads.grad_b[l - 1]
        np.testing.assert_allclose(
            network.weights[l - 1], expected_w, rtol=1e-15, atol=1e-15
        )
        assert network.biases[l - 1].tobytes() == expected_b.tobytes()


def test_l2_decay_defaults_to_batch_size() -> None:
    eta, lmbda, m = 0.5, 0.3, 4
    config = NetworkConfig(sizes=(3, 2), eta=eta, lmbda=lmbda, seed=8)
    network = Network(config)
    x, y = _batch(config, m, seed=8)
    w_before = network.weights[0].copy()
    grad_w = network.backward(x, y).grad_w[0]

    network.step(x, y)

    expected = (1 - eta * lmbda / m) * w_before - eta * grad_w
    np.testing.assert_allclose(network.weights[0], expected, rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("lmbda", [0.0, 2.0])
def test_momentum_over_three_steps(lmbda: float) -> None:
    eta, mu, n_train = 0.4, 0.9, 20
    config = NetworkConfig(sizes=(3, 4, 2), eta=eta, mu=mu, lmbda=lmbda, seed=9)
    network = Network(config)
    rng = np.random.default_rng(9)
    v_w = [np.zeros_like(w) for w in network.weights]
    v_b = [np.zeros_like(b) for b in network.biases]

    for _ in range(3):
        x, y = reference.random_examples(config, 5, rng)
        w_before = [w.copy() for w in network.weights]
        b_before = [b.copy() for b in network.biases]
        grads = network.backward(x, y)

        network.step(x, y, n_train=n_train)

        # Nielsen ch. 3: v -> mu v - eta grad C, w -> w + v, where grad C of the
        # regularised cost adds (lmbda / n) w to the weight gradient.
        for i in range(network.num_layers):
            grad_w = grads.grad_w[i] + (lmbda / n_train) * w_before[i]
            v_w[i] = mu * v_w[i] - eta * grad_w
            v_b[i] = mu * v_b[i] - eta * grads.grad_b[i]
            np.testing.assert_allclose(network.velocity_w[i], v_w[i], atol=1e-14)
            np.testing.assert_allclose(network.velocity_b[i], v_b[i], atol=1e-14)
            np.testing.assert_allclose(
                network.weights[i], w_before[i] + v_w[i], atol=1e-14
            )
            np.testing.assert_allclose(
                network.biases[i], b_before[i] + v_b[i], atol=1e-14
            )


def test_step_counts_examples() -> None:
    config = NetworkConfig(sizes=(2, 2), seed=10)
    network = Network(config)
    x, y = _batch(config, 3, seed=10)

    network.step(x, y)
    network.step(x[:2], y[:2])

    assert network.steps == 2
    assert network.examples_seen == 5


def test_step_records_indices() -> None:
    config = NetworkConfig(sizes=(2, 2), seed=11)
    network = Network(config)
    x, y = _batch(config, 3, seed=11)

    result = network.step(x, y, indices=[4, 0, 7])
    unindexed = network.step(x, y)

    assert result.indices is not None
    assert result.indices.tolist() == [4, 0, 7]
    assert unindexed.indices is None


def test_step_result_arrays_are_not_reused() -> None:
    config = NetworkConfig(sizes=(2, 3, 2), seed=12, mu=0.5)
    network = Network(config)
    x, y = _batch(config, 20, seed=12)
    first = network.step_next_batch(x, y)
    weights_bytes = [w.tobytes() for w in first.weights_after]

    network.step_next_batch(x, y)
    network.train_steps(x, y, 5)
    network.set_weight(1, 0, 0, 42.0)

    assert [w.tobytes() for w in first.weights_after] == weights_bytes
