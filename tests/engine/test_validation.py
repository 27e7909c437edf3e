"""Invalid configurations, parameters and examples raise a ValueError naming them."""

import math
from typing import Any

import numpy as np
import pytest

from app.engine import Network, NetworkConfig

BAD_CONFIGS = [
    pytest.param({"sizes": (2, 0, 1)}, r"sizes\[1\] \(layer 1\)", id="zero-width"),
    pytest.param({"sizes": (2, -3, 1)}, r"sizes\[1\]", id="negative-width"),
    pytest.param({"sizes": (2, 2.5, 1)}, r"sizes\[1\]", id="fractional-width"),
    pytest.param({"sizes": (3,)}, "at least 2 layers", id="single-layer"),
    pytest.param({"sizes": ()}, "at least 2 layers", id="no-layer"),
    pytest.param(
        {"sizes": (2, 3, 2), "hidden_activation": "softmax"},
        "hidden_activation 'softmax'.*output layer only",
        id="softmax-hidden",
    ),
    pytest.param(
        {"sizes": (2, 2), "hidden_activation": "swish"},
        "hidden_activation 'swish'",
        id="unknown-hidden",
    ),
    pytest.param(
        {"sizes": (2, 2), "output_activation": "swish"},
        "output_activation 'swish' is unknown",
        id="unknown-output",
    ),
    pytest.param({"sizes": (2, 2), "cost": "hinge"}, "cost 'hinge'", id="unknown-cost"),
    pytest.param(
        {"sizes": (2, 2), "cost": "log_likelihood"},
        "log_likelihood needs output_activation softmax",
        id="log-likelihood-sigmoid",
    ),
    pytest.param(
        {"sizes": (2, 1), "output_activation": "softmax"},
        "softmax needs at least 2 output neurons",
        id="softmax-one-output",
    ),
    pytest.param({"sizes": (2, 2), "eta": -0.1}, "eta", id="eta-negative"),
    pytest.param({"sizes": (2, 2), "eta": math.nan}, "eta", id="eta-nan"),
    pytest.param({"sizes": (2, 2), "eta": math.inf}, "eta", id="eta-inf"),
    pytest.param({"sizes": (2, 2), "eta": "3"}, "eta", id="eta-text"),
    pytest.param({"sizes": (2, 2), "eta": True}, "eta", id="eta-bool"),
    pytest.param({"sizes": (2, 2), "batch_size": 0}, "batch_size", id="batch-zero"),
    pytest.param({"sizes": (2, 2), "batch_size": 2.5}, "batch_size", id="batch-float"),
    pytest.param({"sizes": (2, 2), "batch_size": True}, "batch_size", id="batch-bool"),
    pytest.param({"sizes": (2, 2), "mu": 1.0}, "mu must be below 1", id="mu-one"),
    pytest.param({"sizes": (2, 2), "mu": -0.5}, "mu", id="mu-negative"),
    pytest.param({"sizes": (2, 2), "mu": math.nan}, "mu", id="mu-nan"),
    pytest.param({"sizes": (2, 2), "lmbda": -1.0}, "lmbda", id="lmbda-negative"),
    pytest.param({"sizes": (2, 2), "seed": -1}, "seed", id="seed-negative"),
    pytest.param({"sizes": (2, 2), "seed": 2**63}, "seed", id="seed-large"),
    pytest.param({"sizes": (2, 2), "init": "xavier"}, "init 'xavier'", id="init"),
    pytest.param({"sizes": (2, 2), "leaky_slope": 2.0}, "leaky_slope", id="slope"),
]


@pytest.mark.parametrize(("fields", "message"), BAD_CONFIGS)
def test_bad_config_rejected(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NetworkConfig(**fields)


@pytest.mark.parametrize("output", ["identity", "tanh", "relu", "leaky_relu"])
def test_cross_entropy_needs_outputs_in_unit_interval(output: str) -> None:
    with pytest.raises(ValueError, match=f"cross_entropy.*got '{output}'"):
        NetworkConfig(sizes=(2, 2), output_activation=output, cost="cross_entropy")


def test_config_from_dict_rejects_bad_fields() -> None:
    with pytest.raises(ValueError, match="unknown fields: depth"):
        NetworkConfig.from_dict({"sizes": [2, 2], "depth": 3})
    with pytest.raises(ValueError, match=r"config\.sizes is missing"):
        NetworkConfig.from_dict({"eta": 1.0})
    with pytest.raises(ValueError, match=r"config\.sizes must be a list"):
        NetworkConfig.from_dict({"sizes": 3})


def test_config_round_trips_through_dict() -> None:
    config = NetworkConfig(
        sizes=(4, 3, 2), output_activation="softmax", cost="log_likelihood", mu=0.2
    )

    assert NetworkConfig.from_dict(config.to_dict()) == config


CONFIG = NetworkConfig(sizes=(2, 3, 2))
GOOD_W = [np.zeros((3, 2)), np.zeros((2, 3))]
GOOD_B = [np.zeros(3), np.zeros(2)]

BAD_PARAMETERS = [
    pytest.param(
        [np.zeros((2, 3)), GOOD_W[1]],
        GOOD_B,
        r"weights\[0\] \(w\^1\) has shape \(2, 3\), expected \(3, 2\)",
        id="transposed-w1",
    ),
    pytest.param(
        GOOD_W,
        [GOOD_B[0], np.zeros(3)],
        r"biases\[1\] \(b\^2\) has shape \(3,\), expected \(2,\)",
        id="long-b2",
    ),
    pytest.param(GOOD_W[:1], GOOD_B[:1], "one entry per layer 1..2", id="too-few"),
    pytest.param(
        [GOOD_W[0], np.full((2, 3), np.nan)],
        GOOD_B,
        r"w\^2\) contains NaN",
        id="nan-weight",
    ),
    pytest.param(
        GOOD_W,
        [np.array([0.0, np.inf, 0.0]), GOOD_B[1]],
        r"b\^1\) contains NaN or infinite",
        id="inf-bias",
    ),
    pytest.param(
        [[["a", "b"]] * 3, GOOD_W[1]], GOOD_B, r"w\^1\) must be a 3x2 array", id="text"
    ),
]


@pytest.mark.parametrize(("weights", "biases", "message"), BAD_PARAMETERS)
def test_bad_explicit_parameters_rejected(
    weights: list[Any], biases: list[Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Network(CONFIG, weights, biases)


def test_weights_without_biases_rejected() -> None:
    with pytest.raises(ValueError, match="both weights and biases"):
        Network(CONFIG, GOOD_W, None)


BAD_EXAMPLES = [
    pytest.param([[np.nan, 0.0]], [[0.0, 1.0]], "input contains NaN", id="nan-input"),
    pytest.param([[np.inf, 0.0]], [[0.0, 1.0]], "input contains NaN", id="inf-input"),
    pytest.param(
        [[0.0, 0.0]], [[-np.inf, 1.0]], "target contains NaN", id="inf-target"
    ),
    pytest.param([[0.0, 0.0]], [[np.nan, 1.0]], "target contains NaN", id="nan-target"),
    pytest.param([[0.0, 0.0, 0.0]], [[0.0, 1.0]], "input has shape", id="wide-input"),
    pytest.param([[0.0, 0.0]], [[1.0]], "target has shape", id="narrow-target"),
    pytest.param(np.zeros((0, 2)), np.zeros((0, 2)), "no examples", id="empty"),
    pytest.param([[0.0, 0.0]] * 2, [[0.0, 1.0]], "target has 1 examples", id="count"),
    pytest.param(
        [["a", "b"]], [[0.0, 1.0]], "input must contain only numbers", id="text"
    ),
]


@pytest.mark.parametrize(("x", "y", "message"), BAD_EXAMPLES)
@pytest.mark.parametrize("method", ["forward", "backward", "step"])
def test_bad_examples_rejected(x: Any, y: Any, message: str, method: str) -> None:
    network = Network(CONFIG)
    before = [w.tobytes() for w in network.weights]

    with pytest.raises(ValueError, match=message):
        getattr(network, method)(x, y)

    assert [w.tobytes() for w in network.weights] == before
    assert network.steps == 0


def test_cross_entropy_target_outside_unit_interval_rejected() -> None:
    network = Network(NetworkConfig(sizes=(2, 2), cost="cross_entropy"))

    with pytest.raises(ValueError, match=r"target values must lie in \[0, 1\]"):
        network.backward([[0.0, 0.0]], [[1.5, 0.0]])


@pytest.mark.parametrize(
    ("cost", "output", "message"),
    [
        ("cross_entropy", "sigmoid", "got -0.5 at output 1 of example 1"),
        ("log_likelihood", "softmax", "got -0.5 at output 1 of example 1"),
    ],
)
def test_bad_target_named(cost: str, output: str, message: str) -> None:
    config = NetworkConfig(sizes=(2, 2), cost=cost, output_activation=output)
    y = [[0.0, 1.0], [0.0, -0.5], [-2.0, 0.0]]

    with pytest.raises(ValueError, match=message):
        Network(config).backward([[0.0, 0.0]] * 3, y)


def test_backward_needs_target() -> None:
    with pytest.raises(ValueError, match="target is required"):
        Network(CONFIG).backward([[0.0, 0.0]], None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"eta": -1.0}, "eta"),
        ({"batch_size": 0}, "batch_size"),
        ({"mu": 1.5}, "mu"),
        ({"sizes": (2, 2)}, "cannot change sizes"),
        ({"cost": "cross_entropy"}, "cannot change cost"),
    ],
)
def test_set_config_rejects_bad_changes(changes: dict[str, Any], message: str) -> None:
    network = Network(CONFIG)

    with pytest.raises(ValueError, match=message):
        network.set_config(**changes)

    assert network.config == CONFIG
