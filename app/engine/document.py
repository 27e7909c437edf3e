"""Save a network to a JSON-compatible document and load it back losslessly.

Floats are written as Python floats, whose JSON text (the shortest repr)
reads back to the same float64, so a round trip through json is exact.
The random state is (seed, epochs, epoch_position): initial parameters and
every epoch's shuffle are drawn from generators seeded by those numbers.
"""

from typing import Any

import numpy as np

from app.engine.config import NetworkConfig
from app.engine.network import Network

FORMAT = "backprop-viz.network"
VERSION = 1
_KEYS = {
    "format",
    "version",
    "config",
    "weights",
    "biases",
    "velocity_w",
    "velocity_b",
    "counters",
    "initial",
}
_COUNTERS = ("steps", "epochs", "examples_seen", "epoch_position")


def _lists(arrays: list[np.ndarray]) -> list[Any]:
    return [arr.tolist() for arr in arrays]


def _same(arrays: list[np.ndarray]) -> list[Any]:
    return list(arrays)


def network_to_document(network: Network, *, arrays: bool = False) -> dict[str, Any]:
    """Return the network as a document of plain lists and floats.

    With arrays=True the per-layer values stay the network's own numpy
    arrays, not copies, for a caller that packs them at once (the API's
    store). Converting to lists and back took most of the time there.
    """
    per_layer = _same if arrays else _lists
    initial = None
    if network.initial is not None:
        initial = {
            "weights": per_layer(network.initial[0]),
            "biases": per_layer(network.initial[1]),
        }
    return {
        "format": FORMAT,
        "version": VERSION,
        "config": network.config.to_dict(),
        "weights": per_layer(network.weights),
        "biases": per_layer(network.biases),
        "velocity_w": per_layer(network.velocity_w),
        "velocity_b": per_layer(network.velocity_b),
        "counters": {name: getattr(network, name) for name in _COUNTERS},
        "initial": initial,
    }


def _check_counters(counters: Any) -> dict[str, int]:
    if not isinstance(counters, dict) or set(counters) != set(_COUNTERS):
        raise ValueError(f"counters must be an object with {', '.join(_COUNTERS)}")
    for name in _COUNTERS:
        value = counters[name]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(
                f"counters.{name} must be a whole number >= 0, got {value!r}"
            )
    return counters


def network_from_document(doc: Any) -> Network:
    """Build a network from a document, validating every field; ValueError if bad."""
    if not isinstance(doc, dict):
        raise ValueError(f"the document must be an object, got {type(doc).__name__}")
    if doc.get("format") != FORMAT:
        raise ValueError(f"format must be {FORMAT!r}, got {doc.get('format')!r}")
    version = doc.get("version")
    # True == 1 and 1.0 == 1 in Python, so the type is checked too.
    if type(version) is not int or version != VERSION:
        raise ValueError(f"version must be {VERSION}, got {version!r}")
    missing = sorted(_KEYS - set(doc))
    unknown = sorted(set(doc) - _KEYS)
    if missing or unknown:
        raise ValueError(
            f"document fields missing: {', '.join(missing) or 'none'}; "
            f"unknown: {', '.join(unknown) or 'none'}"
        )
    config = NetworkConfig.from_dict(doc["config"])
    initial = doc["initial"]
    network = Network._blank(config)
    if initial is not None:
        if not isinstance(initial, dict) or set(initial) != {"weights", "biases"}:
            raise ValueError("initial must be null or an object with weights, biases")
        network.initial = network._check_parameters(
            initial["weights"], initial["biases"], ("initial.weights", "initial.biases")
        )
    network.set_parameters(doc["weights"], doc["biases"])
    velocity_w, velocity_b = network._check_parameters(
        doc["velocity_w"], doc["velocity_b"], ("velocity_w", "velocity_b")
    )
    network.velocity_w, network.velocity_b = velocity_w, velocity_b
    for name, value in _check_counters(doc["counters"]).items():
        setattr(network, name, value)
    return network
