"""Saving a network to a JSON document and loading it back, exactly."""

import copy
import json
from typing import Any

import numpy as np
import pytest

from app.engine import Network, NetworkConfig
from app.engine.document import network_to_document

from . import reference

N_TRAIN = 17


def _through_json(doc: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(doc))
    return loaded


def _trained(
    config: NetworkConfig, steps: int
) -> tuple[Network, np.ndarray, np.ndarray]:
    x, y = reference.random_examples(config, N_TRAIN, np.random.default_rng(5))
    network = Network(config)
    network.train_steps(x, y, steps)
    return network, x, y


CONFIG = NetworkConfig(
    sizes=(3, 5, 4, 2),
    hidden_activation="tanh",
    output_activation="softmax",
    cost="cross_entropy",
    eta=0.3,
    batch_size=4,
    seed=77,
    init="scaled",
    lmbda=0.2,
    mu=0.6,
    leaky_slope=0.05,
)


def test_round_trip_is_bit_exact() -> None:
    network, _, _ = _trained(CONFIG, 7)

    loaded = Network.from_document(_through_json(network.to_document()))

    assert loaded.config == network.config
    assert reference.snapshot(loaded) == reference.snapshot(network)
    # The first epoch of 17 takes batches of 4, 4, 4, 4 and 1; two more follow.
    assert loaded.epochs == 1
    assert loaded.epoch_position == 8
    assert loaded.examples_seen == N_TRAIN + 8
    assert any(v.any() for v in loaded.velocity_w)


def test_round_trip_keeps_awkward_floats() -> None:
    network = Network(NetworkConfig(sizes=(2, 3)))
    awkward = [
        0.1 + 0.2,
        -0.0,
        5e-324,
        1.7976931348623157e308,
        -2.2250738585072014e-308,
        1 / 3,
    ]
    for k, value in enumerate(awkward[:2]):
        network.set_weight(1, 0, k, value)
    for k, value in enumerate(awkward[2:4]):
        network.set_weight(1, 1, k, value)
    network.set_weight(1, 2, 0, awkward[4])
    network.set_bias(1, 2, awkward[5])

    loaded = Network.from_document(_through_json(network.to_document()))

    assert loaded.weights[0].tobytes() == network.weights[0].tobytes()
    assert loaded.biases[0].tobytes() == network.biases[0].tobytes()
    assert np.signbit(loaded.weights[0][0, 1])


def test_round_trip_keeps_explicit_initial_parameters() -> None:
    config = NetworkConfig(sizes=(2, 2, 1), seed=3)
    w = [[[0.1, -0.2], [0.3, 0.4]], [[0.5, -0.6]]]
    b = [[0.01, 0.02], [0.03]]
    network = Network(config, w, b)
    network.set_weight(2, 0, 1, 9.0)

    loaded = Network.from_document(_through_json(network.to_document()))
    loaded.reset()

    assert [m.tolist() for m in loaded.weights] == w
    assert [v.tolist() for v in loaded.biases] == b


def test_training_continues_identically_after_round_trip() -> None:
    network, x, y = _trained(CONFIG, 6)
    loaded = Network.from_document(_through_json(network.to_document()))

    network.train_steps(x, y, 5)
    loaded.train_steps(x, y, 5)
    first = network.step_next_batch(x, y)
    second = loaded.step_next_batch(x, y)

    assert reference.snapshot(loaded) == reference.snapshot(network)
    assert first.indices is not None
    assert second.indices is not None
    assert first.indices.tolist() == second.indices.tolist()
    assert first.cost_after == second.cost_after


def test_copy_is_independent() -> None:
    network, x, y = _trained(CONFIG, 3)

    duplicate = network.copy()
    duplicate.train_steps(x, y, 2)

    assert reference.snapshot(network) != reference.snapshot(duplicate)
    assert network.steps == 3


@pytest.mark.parametrize("explicit", [False, True])
def test_copy_continues_like_original(explicit: bool) -> None:
    network, x, y = _trained(CONFIG, 6)
    if explicit:
        network = Network(CONFIG, network.weights, network.biases)
        network.train_steps(x, y, 6)

    duplicate = network.copy()

    assert duplicate.config == network.config
    assert duplicate.to_document() == network.to_document()
    assert reference.snapshot(duplicate) == reference.snapshot(network)
    # Same mini-batches and numbers from here on, and reset returns both to
    # the same initial parameters.
    first = network.step_next_batch(x, y)
    second = duplicate.step_next_batch(x, y)
    assert first.indices is not None and second.indices is not None
    assert first.indices.tolist() == second.indices.tolist()
    assert reference.snapshot(duplicate) == reference.snapshot(network)
    network.reset()
    duplicate.reset()
    assert reference.snapshot(duplicate) == reference.snapshot(network)


def test_copy_shares_no_mutable_array() -> None:
    network, _, _ = _trained(CONFIG, 3)
    duplicate = network.copy()
    before = reference.snapshot(network)

    duplicate.set_weight(1, 0, 0, 123.0)
    duplicate.weights[0][1, 1] = -7.0
    duplicate.velocity_w[0][0, 0] = 9.0
    duplicate.biases[1][0] = 5.0
    duplicate.reset()

    assert reference.snapshot(network) == before


def test_array_document_has_same_values() -> None:
    network, _, _ = _trained(CONFIG, 2)
    network = Network(CONFIG, network.weights, network.biases)

    lists = network.to_document()
    arrays = network_to_document(network, arrays=True)

    for key in ("weights", "biases", "velocity_w", "velocity_b"):
        assert all(isinstance(arr, np.ndarray) for arr in arrays[key])
        assert [arr.tolist() for arr in arrays[key]] == lists[key]
    for key in ("weights", "biases"):
        assert [arr.tolist() for arr in arrays["initial"][key]] == lists["initial"][key]
    assert Network.from_document(arrays).to_document() == lists


def test_loading_seeded_network_skips_draw(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    network, _, _ = _trained(CONFIG, 2)
    doc = _through_json(network.to_document())

    def no_draw(self: Network) -> Any:
        raise AssertionError("the parameters were drawn again")

    monkeypatch.setattr(Network, "_draw_parameters", no_draw)
    loaded = Network.from_document(doc)

    assert reference.snapshot(loaded) == reference.snapshot(network)
    assert loaded.initial is None


def test_document_is_plain_json() -> None:
    network, _, _ = _trained(CONFIG, 2)

    doc = network.to_document()

    assert _through_json(doc) == doc
    assert doc["config"]["sizes"] == [3, 5, 4, 2]
    assert doc["counters"] == {
        "steps": 2,
        "epochs": 0,
        "examples_seen": 8,
        "epoch_position": 8,
    }


def _valid_document() -> dict[str, Any]:
    network, _, _ = _trained(CONFIG, 2)
    return _through_json(network.to_document())


def _edit(path: list[Any], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(_valid_document())
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


INVALID = [
    pytest.param(["format"], "other", "format", id="format"),
    pytest.param(["version"], 2, "version", id="version"),
    pytest.param(["config"], [], "config must be an object", id="config-type"),
    pytest.param(["config", "sizes"], [3, 0, 2], r"sizes\[1\]", id="zero-width"),
    pytest.param(["config", "eta"], -1.0, "eta", id="eta"),
    pytest.param(
        ["config", "colour"], "red", "unknown fields: colour", id="config-key"
    ),
    pytest.param(["weights", 0], [[1.0, 2.0, 3.0]], r"w\^1", id="weight-shape"),
    pytest.param(["weights"], [], "^weights needs one entry per layer", id="w-count"),
    pytest.param(
        ["velocity_b"], [], "^velocity_b needs one entry per layer", id="vb-count"
    ),
    pytest.param(["biases", 2, 0], "x", r"b\^3", id="bias-text"),
    pytest.param(["biases", 1, 0], float("nan"), "NaN", id="bias-nan"),
    pytest.param(
        ["velocity_w", 1], [[0.0]], r"^velocity_w\[1\] \(w\^2\)", id="velocity-shape"
    ),
    pytest.param(["velocity_b", 0], [0.0], r"^velocity_b\[0\]", id="velocity-b"),
    pytest.param(["version"], True, "version must be 1", id="version-true"),
    pytest.param(["version"], 1.0, "version must be 1", id="version-float"),
    pytest.param(["counters", "steps"], -1, "counters.steps", id="counter-negative"),
    pytest.param(["counters", "epochs"], True, "counters.epochs", id="counter-bool"),
    pytest.param(["counters", "epochs"], 1.5, "counters.epochs", id="counter-float"),
    pytest.param(["counters"], {"steps": 0}, "counters", id="counters-missing"),
    pytest.param(["initial"], {"weights": []}, "initial", id="initial"),
    pytest.param(
        ["initial"],
        {"weights": [[[1.0]]] * 3, "biases": [[1.0]] * 3},
        r"^initial\.weights\[0\] \(w\^1\) has shape \(1, 1\)",
        id="initial-shape",
    ),
    pytest.param(["extra"], 1, "unknown: extra", id="unknown-key"),
]


@pytest.mark.parametrize(("path", "value", "message"), INVALID)
def test_invalid_document_rejected(path: list[Any], value: Any, message: str) -> None:
    doc = _edit(path, value)

    with pytest.raises(ValueError, match=message):
        Network.from_document(doc)


def test_missing_field_rejected() -> None:
    doc = _valid_document()
    del doc["velocity_b"]

    with pytest.raises(ValueError, match="missing: velocity_b"):
        Network.from_document(doc)


@pytest.mark.parametrize("doc", [None, [], "network", 3])
def test_non_object_rejected(doc: Any) -> None:
    with pytest.raises(ValueError, match="must be an object"):
        Network.from_document(doc)
