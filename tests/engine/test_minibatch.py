"""Mini-batch backward passes against the average of per-example passes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine import Network, NetworkConfig

from . import reference

CONFIGS = [
    NetworkConfig(sizes=(3, 4, 3), seed=1),
    NetworkConfig(
        sizes=(2, 5, 3, 2),
        hidden_activation="tanh",
        output_activation="softmax",
        cost="cross_entropy",
        seed=2,
    ),
    NetworkConfig(
        sizes=(4, 3, 3),
        hidden_activation="leaky_relu",
        output_activation="softmax",
        cost="log_likelihood",
        seed=3,
        leaky_slope=0.1,
    ),
    NetworkConfig(
        sizes=(2, 3, 1),
        hidden_activation="relu",
        output_activation="identity",
        cost="quadratic",
        seed=4,
    ),
]
M = 7


@pytest.fixture(params=CONFIGS, ids=lambda c: f"{c.hidden_activation}-{c.cost}")
def case(request: pytest.FixtureRequest) -> tuple[Network, np.ndarray, np.ndarray]:
    config: NetworkConfig = request.param
    x, y = reference.random_examples(config, M, np.random.default_rng(config.seed))
    return Network(config), x, y


def test_batch_gradient_is_mean_of_examples(
    case: tuple[Network, np.ndarray, np.ndarray],
) -> None:
    network, x, y = case
    singles = [network.backward(x[i], y[i]) for i in range(M)]

    batch = network.backward(x, y)

    for l in range(1, network.num_layers + 1):
        mean_w = sum(t.grad_w[l - 1] for t in singles) / M
        mean_b = sum(t.grad_b[l - 1] for t in singles) / M
        np.testing.assert_allclose(batch.grad_w[l - 1], mean_w, rtol=0, atol=1e-12)
        np.testing.assert_allclose(batch.grad_b[l - 1], mean_b, rtol=0, atol=1e-12)


def test_batch_rows_match_single_examples(
    case: tuple[Network, np.ndarray, np.ndarray],
) -> None:
    network, x, y = case
    singles = [network.backward(x[i], y[i]) for i in range(M)]

    batch = network.backward(x, y)

    assert batch.forward.costs is not None
    for i, single in enumerate(singles):
        assert single.forward.costs is not None
        assert batch.forward.costs[i] == pytest.approx(
            single.forward.costs[0], abs=1e-12
        )
        np.testing.assert_allclose(batch.grad_a[i], single.grad_a[0], atol=1e-12)
        for l in range(1, network.num_layers + 1):
            np.testing.assert_allclose(
                batch.forward.z[l - 1][i], single.forward.z[l - 1][0], atol=1e-12
            )
            np.testing.assert_allclose(
                batch.delta[l - 1][i], single.delta[l - 1][0], atol=1e-12
            )


def test_example_gradients_match_single_passes(
    case: tuple[Network, np.ndarray, np.ndarray],
) -> None:
    network, x, y = case
    batch = network.backward(x, y)

    for i in range(M):
        single = network.backward(x[i], y[i])
        for l in range(1, network.num_layers + 1):
            np.testing.assert_allclose(
                batch.example_grad_w(i, l), single.grad_w[l - 1], rtol=0, atol=1e-12
            )
            np.testing.assert_allclose(
                batch.example_grad_b(i, l), single.grad_b[l - 1], rtol=0, atol=1e-12
            )


def test_example_gradients_average_to_batch(
    case: tuple[Network, np.ndarray, np.ndarray],
) -> None:
    network, x, y = case
    batch = network.backward(x, y)

    for l in range(1, network.num_layers + 1):
        mean_w = sum(batch.example_grad_w(i, l) for i in range(M)) / M
        mean_b = sum(batch.example_grad_b(i, l) for i in range(M)) / M
        np.testing.assert_allclose(batch.grad_w[l - 1], mean_w, rtol=0, atol=1e-12)
        np.testing.assert_allclose(batch.grad_b[l - 1], mean_b, rtol=0, atol=1e-12)


def test_batch_cost_is_mean_of_reference_costs(
    case: tuple[Network, np.ndarray, np.ndarray],
) -> None:
    network, x, y = case
    expected = reference.mean_cost(
        network.weights, network.biases, x, y, network.config
    )

    trace = network.forward(x, y)

    assert trace.cost == pytest.approx(expected, rel=1e-12)


def test_gradient_shapes_follow_layer_convention(
    case: tuple[Network, np.ndarray, np.ndarray],
) -> None:
    network, x, y = case
    sizes = network.config.sizes

    trace = network.backward(x, y)

    assert len(trace.forward.a) == len(sizes)
    for l in range(1, len(sizes)):
        assert trace.grad_w[l - 1].shape == (sizes[l], sizes[l - 1])
        assert trace.grad_b[l - 1].shape == (sizes[l],)
        assert trace.delta[l - 1].shape == (M, sizes[l])
        assert trace.forward.a[l].shape == (M, sizes[l])


@settings(max_examples=40, deadline=None)
@given(
    widths=st.lists(st.integers(1, 5), min_size=2, max_size=4),
    hidden=st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu", "identity"]),
    m=st.integers(1, 9),
    seed=st.integers(0, 2**32),
)
def test_batch_mean_property(widths: list[int], hidden: str, m: int, seed: int) -> None:
    config = NetworkConfig(sizes=tuple(widths), hidden_activation=hidden, seed=seed)
    network = Network(config)
    x, y = reference.random_examples(config, m, np.random.default_rng(seed))

    batch = network.backward(x, y)

    for l in range(1, config.num_layers + 1):
        singles_w = [network.backward(x[i], y[i]).grad_w[l - 1] for i in range(m)]
        singles_b = [network.backward(x[i], y[i]).grad_b[l - 1] for i in range(m)]
        np.testing.assert_allclose(
            batch.grad_w[l - 1], sum(singles_w) / m, rtol=0, atol=1e-12
        )
        np.testing.assert_allclose(
            batch.grad_b[l - 1], sum(singles_b) / m, rtol=0, atol=1e-12
        )


@pytest.mark.parametrize("m", [1, 999, 2500])
def test_evaluate_over_chunks(m: int) -> None:
    config = NetworkConfig(
        sizes=(3, 4, 3), output_activation="softmax", cost="log_likelihood", seed=5
    )
    network = Network(config)
    x, y = reference.random_examples(config, m, np.random.default_rng(5))
    _, activations = reference.forward(
        network.weights, network.biases, x, "sigmoid", "softmax"
    )
    expected_cost = reference.mean_cost(network.weights, network.biases, x, y, config)
    expected_accuracy = float(
        np.mean(activations[-1].argmax(axis=1) == y.argmax(axis=1))
    )

    result = network.evaluate(x, y)

    assert result["cost"] == pytest.approx(expected_cost, rel=1e-12)
    assert result["accuracy"] == pytest.approx(expected_accuracy, abs=1e-15)
    np.testing.assert_allclose(network.predict(x), activations[-1], atol=1e-15)


def test_evaluate_single_output_rounds_at_half() -> None:
    config = NetworkConfig(sizes=(1, 1), seed=0)
    network = Network(config, [[[1.0]]], [[0.0]])
    # sigmoid(x) >= 0.5 exactly when x >= 0.
    x = np.array([[-2.0], [-0.5], [0.5], [3.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.2]])

    result = network.evaluate(x, y)
    regression = network.evaluate(x, y, classification=False)

    assert result["accuracy"] == 0.5
    assert regression["accuracy"] is None
