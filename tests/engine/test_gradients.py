"""Backprop gradients against finite differences, for every allowed combination."""

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.engine import (
    COSTS,
    HIDDEN_ACTIVATIONS,
    OUTPUT_ACTIVATIONS,
    Network,
    NetworkConfig,
    gradient_check,
)
from app.engine.network import Network as NetworkClass

from . import reference

SHAPES = [(3, 4, 3), (2, 3, 3, 2)]
COMBINATIONS = list(itertools.product(HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, COSTS))
ALLOWED = [c for c in COMBINATIONS if reference.is_allowed(c[1], c[2])]
REJECTED = [c for c in COMBINATIONS if not reference.is_allowed(c[1], c[2])]
KINKED = ("relu", "leaky_relu")
# gradient_check moves a parameter by up to 2e-3 and the reference finite
# difference by 1e-5, so z that stay this far from 0 never cross a kink.
KINK_MARGIN = 0.05
MAX_REL_ERROR = 1e-7


def test_activation_and_cost_names() -> None:
    assert set(HIDDEN_ACTIVATIONS) == {
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "identity",
    }
    assert set(OUTPUT_ACTIVATIONS) == {*HIDDEN_ACTIVATIONS, "softmax"}
    assert set(COSTS) == {"quadratic", "cross_entropy", "log_likelihood"}


def test_allowed_combination_count() -> None:
    # 5 hidden activations x (6 outputs with quadratic, sigmoid or softmax
    # with cross-entropy, softmax with log-likelihood).
    assert len(ALLOWED) == 5 * (6 + 2 + 1)


@pytest.mark.parametrize(("hidden", "output", "cost"), REJECTED)
def test_config_rejects_combination(hidden: str, output: str, cost: str) -> None:
    with pytest.raises(ValueError, match=cost):
        NetworkConfig(
            sizes=(3, 4, 3),
            hidden_activation=hidden,
            output_activation=output,
            cost=cost,
        )


def _network_away_from_kinks(
    config: NetworkConfig, m: int
) -> tuple[Network, np.ndarray, np.ndarray]:
    """Return a network and a mini-batch whose z avoid the kinks of ReLU.

    Seeds are tried in order until every |z| exceeds KINK_MARGIN when the
    network has a ReLU or leaky ReLU layer; the first seed is taken otherwise.
    """
    kinked = config.hidden_activation in KINKED or config.output_activation in KINKED
    for seed in range(200):
        network = Network(config.replace(seed=seed))
        x, y = reference.random_examples(config, m, np.random.default_rng(seed))
        if not kinked or reference.min_abs_z(network, x) > KINK_MARGIN:
            return network, x, y
    raise AssertionError(f"no seed below 200 keeps |z| > {KINK_MARGIN} for {config}")


@pytest.mark.parametrize("sizes", SHAPES, ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize(("hidden", "output", "cost"), ALLOWED)
def test_gradient_check_passes(
    sizes: tuple[int, ...], hidden: str, output: str, cost: str
) -> None:
    config = NetworkConfig(
        sizes=sizes, hidden_activation=hidden, output_activation=output, cost=cost
    )
    network, x, y = _network_away_from_kinks(config, m=3)
    if hidden in KINKED or output in KINKED:
        assert reference.min_abs_z(network, x) > KINK_MARGIN

    check = gradient_check(network, x, y)

    assert [c.layer for c in check.layers] == list(range(1, len(sizes)))
    assert check.max_rel_error < MAX_REL_ERROR


@pytest.mark.parametrize("sizes", SHAPES, ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize(("hidden", "output", "cost"), ALLOWED)
def test_backward_matches_reference_differences(
    sizes: tuple[int, ...], hidden: str, output: str, cost: str
) -> None:
    config = NetworkConfig(
        sizes=sizes, hidden_activation=hidden, output_activation=output, cost=cost
    )
    network, x, y = _network_away_from_kinks(config, m=3)
    numeric_w, numeric_b = reference.finite_difference(
        network.weights, network.biases, x, y, config
    )

    trace = network.backward(x, y)

    for l in range(1, len(sizes)):
        np.testing.assert_allclose(
            trace.grad_w[l - 1], numeric_w[l - 1], rtol=1e-6, atol=1e-8
        )
        np.testing.assert_allclose(
            trace.grad_b[l - 1], numeric_b[l - 1], rtol=1e-6, atol=1e-8
        )


def test_gradient_check_numeric_matches_reference() -> None:
    config = NetworkConfig(
        sizes=(2, 3, 3, 2),
        hidden_activation="tanh",
        output_activation="softmax",
        cost="cross_entropy",
    )
    network, x, y = _network_away_from_kinks(config, m=4)
    numeric_w, numeric_b = reference.finite_difference(
        network.weights, network.biases, x, y, config
    )

    check = gradient_check(network, x, y)

    for layer in check.layers:
        np.testing.assert_allclose(
            layer.numeric_w, numeric_w[layer.layer - 1], rtol=1e-6, atol=1e-8
        )
        np.testing.assert_allclose(
            layer.numeric_b, numeric_b[layer.layer - 1], rtol=1e-6, atol=1e-8
        )


def test_gradient_check_leaves_network_unchanged() -> None:
    config = NetworkConfig(sizes=(3, 4, 3), cost="cross_entropy")
    network, x, y = _network_away_from_kinks(config, m=2)
    before = reference.snapshot(network)

    gradient_check(network, x, y)

    assert reference.snapshot(network) == before


def test_gradient_check_detects_wrong_gradient(monkeypatch: pytest.MonkeyPatch) -> None:
    config = NetworkConfig(sizes=(3, 4, 3))
    network, x, y = _network_away_from_kinks(config, m=2)
    original_backward = NetworkClass._backward

    def backward_off_by_one_percent(self: Network, fwd: object) -> object:
        trace = original_backward(self, fwd)  # type: ignore[arg-type]
        trace.grad_w[0] = trace.grad_w[0] * 1.01
        return trace

    monkeypatch.setattr(NetworkClass, "_backward", backward_off_by_one_percent)

    check = gradient_check(network, x, y)

    assert check.max_rel_error > 1e-3


SMOOTH_OR_LEAKY = ("sigmoid", "tanh", "identity", "leaky_relu")


@st.composite
def small_networks(draw: st.DrawFn) -> tuple[NetworkConfig, int]:
    """Draw a config with 1 to 3 weight layers of 1 to 4 neurons, and a seed."""
    widths = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    output_cost = draw(
        st.sampled_from([(o, c) for o in OUTPUT_ACTIVATIONS for c in COSTS])
    )
    output, cost = output_cost
    assume(reference.is_allowed(output, cost))
    if output == "softmax":
        widths[-1] = max(widths[-1], 2)
    config = NetworkConfig(
        sizes=tuple(widths),
        hidden_activation=draw(st.sampled_from(SMOOTH_OR_LEAKY)),
        output_activation=output,
        cost=cost,
        leaky_slope=draw(st.sampled_from([0.01, 0.2])),
        init=draw(st.sampled_from(["normal", "scaled"])),
    )
    return config, draw(st.integers(0, 2**32))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_networks(), st.integers(1, 4))
def test_backward_property_random_shapes(
    drawn: tuple[NetworkConfig, int], m: int
) -> None:
    config, seed = drawn
    network = Network(config.replace(seed=seed))
    x, y = reference.random_examples(config, m, np.random.default_rng(seed))
    kinked = "leaky_relu" in (config.hidden_activation, config.output_activation)
    assume(not kinked or reference.min_abs_z(network, x) > KINK_MARGIN)
    numeric_w, numeric_b = reference.finite_difference(
        network.weights, network.biases, x, y, config
    )

    trace = network.backward(x, y)

    for l in range(1, config.num_layers + 1):
        np.testing.assert_allclose(
            trace.grad_w[l - 1], numeric_w[l - 1], rtol=1e-5, atol=1e-7
        )
        np.testing.assert_allclose(
            trace.grad_b[l - 1], numeric_b[l - 1], rtol=1e-5, atol=1e-7
        )


@pytest.mark.parametrize(
    ("hidden", "slope_at_zero"), [("relu", 0.0), ("leaky_relu", 0.2)]
)
def test_kink_derivative_at_zero(hidden: str, slope_at_zero: float) -> None:
    # ReLU has no derivative at z = 0, so the engine takes the left one there.
    config = NetworkConfig(sizes=(2, 2, 1), hidden_activation=hidden, leaky_slope=0.2)
    weights = [[[1.0, -1.0], [0.5, 0.5]], [[1.0, 1.0]]]
    biases = [[0.0, -1.0], [0.0]]
    network = Network(config, weights, biases)

    trace = network.backward([[3.0, 3.0]], [[1.0]])

    assert trace.forward.z[0][0].tolist() == [0.0, 2.0]
    assert trace.forward.sp[0][0].tolist() == [slope_at_zero, 1.0]
    assert trace.delta[0][0, 0] == trace.delta[1][0, 0] * 1.0 * slope_at_zero
