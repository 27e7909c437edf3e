"""Turn engine objects into the JSON-ready dicts that the routes return.

Arrays stay numpy arrays here; the orjson response class writes them, with
non-finite values as strings. Per-layer engine lists hold layer l at index
l - 1 (the input is layer 0 here, layer 1 in Nielsen's book), and every
"layers" list below carries its l explicitly so that clients need not count.
"""

from typing import Any

import numpy as np

from app.api.schemas.common import LAYER_NOTE
from app.datasets import Dataset
from app.engine import EQUATIONS, BackwardTrace, ForwardTrace, GradientCheck, Network
from app.engine import StepResult as EngineStepResult
from app.engine.config import NetworkConfig

# Engine config field -> API field, where they differ.
API_NAMES = {"eta": "learning_rate", "lmbda": "l2", "mu": "momentum"}
ENGINE_NAMES = {api: engine for engine, api in API_NAMES.items()}


def config_view(config: NetworkConfig) -> dict[str, Any]:
    return {API_NAMES.get(key, key): value for key, value in config.to_dict().items()}


def evaluation(network: Network, dataset: Dataset) -> dict[str, Any]:
    """Return cost and accuracy on both splits; an empty split gives null."""
    classification = dataset.task == "classification"
    cost: dict[str, Any] = {}
    accuracy: dict[str, Any] = {}
    for split in ("train", "test"):
        x, y = dataset.arrays(split)
        if x.shape[0] == 0:
            cost[split] = accuracy[split] = None
            continue
        with np.errstate(all="ignore"):
            result = network.evaluate(x, y, classification=classification)
        cost[split] = result["cost"]
        accuracy[split] = result["accuracy"]
    return {"cost": cost, "accuracy": accuracy if classification else None}


def training_cost(network: Network, dataset: Dataset) -> float:
    """Return the mean cost on the training split (without the L2 term)."""
    with np.errstate(all="ignore"):
        result = network.evaluate(dataset.x_train, dataset.y_train)
    cost: float = result["cost"]
    return cost


# Cost and accuracy of a network whose data set no longer exists.
NO_EVALUATION: dict[str, Any] = {
    "cost": {"train": None, "test": None},
    "accuracy": None,
}


def network_state(
    network_id: str,
    network: Network,
    dataset: Dataset | None,
    *,
    dataset_name: str,
    dataset_options: dict[str, Any],
    training_job: str | None,
    history_length: int,
) -> dict[str, Any]:
    return {
        "id": network_id,
        "dataset": dataset_name,
        "dataset_options": dataset_options,
        "config": config_view(network.config),
        "weights": network.weights,
        "biases": network.biases,
        "steps": network.steps,
        "epochs": network.epochs,
        "examples_seen": network.examples_seen,
        "epoch_position": network.epoch_position,
        **(evaluation(network, dataset) if dataset is not None else NO_EVALUATION),
        "training_job": training_job,
        "history_length": history_length,
        "layer_note": LAYER_NOTE,
    }


def prediction(output: np.ndarray, dataset: Dataset) -> dict[str, Any]:
    """Return the predicted class (argmax a^L, or a^L >= 0.5 for one output)."""
    if dataset.task != "classification":
        return {"class_index": None, "class_name": None, "output": output}
    index = int(output[0] >= 0.5) if output.shape[0] == 1 else int(output.argmax())
    names = dataset.class_names or []
    name = names[index] if index < len(names) else str(index)
    return {"class_index": index, "class_name": name, "output": output}


def _equation_text(name: str) -> str:
    return EQUATIONS[name]["text"]


def _equation_texts(trace: ForwardTrace, names: tuple[str, ...]) -> dict[str, str]:
    """Return the text of the equation behind each named quantity."""
    return {name: _equation_text(trace.equations[name]) for name in names}


def forward_view(
    trace: ForwardTrace,
    network: Network,
    dataset: Dataset,
    example: dict[str, Any] | None,
) -> dict[str, Any]:
    """Describe the forward pass of one example (row 0 of the trace)."""
    layers = [
        {"l": l, "z": trace.z[l - 1][0], "a": trace.a[l][0]}
        for l in range(1, network.num_layers + 1)
    ]
    output = trace.output[0]
    return {
        "example": example,
        "input": trace.x[0],
        "target": None if trace.y is None else trace.y[0],
        "layers": layers,
        "output": output,
        "cost": trace.cost,
        "prediction": prediction(output, dataset),
        "equations": _equation_texts(trace, ("z", "a", "a_output", "cost")),
        "layer_note": LAYER_NOTE,
    }


def backward_view(
    trace: BackwardTrace,
    network: Network,
    dataset: Dataset,
    example: dict[str, Any] | None,
) -> dict[str, Any]:
    """Describe the forward and backward pass of one example."""
    view = forward_view(trace.forward, network, dataset, example)
    for layer, bp in zip(view["layers"], trace.equation, strict=True):
        i = layer["l"] - 1
        layer["sp"] = trace.forward.sp[i][0]
        layer["delta"] = trace.delta[i][0]
        layer["grad_b"] = trace.grad_b[i]
        layer["grad_w"] = trace.grad_w[i]
        layer["equation"] = {"delta": bp, "grad_b": "BP3", "grad_w": "BP4"}
    view["grad_a"] = trace.grad_a[0]
    keys = trace.equations
    view["equations"] = {
        **view["equations"],
        "BP1": _equation_text(keys["delta_output"]),
        "BP2": _equation_text(keys["delta_hidden"]),
        "BP3": _equation_text(keys["grad_b"]),
        "BP4": _equation_text(keys["grad_w"]),
        "grad_a": _equation_text(keys["grad_a"]),
    }
    return view


def step_view(
    result: EngineStepResult,
    network: Network,
    history_id: int | None,
    include_before: bool,
) -> dict[str, Any]:
    """Return the JSON body of a step; history_id is None for a preview."""
    indices = None if result.indices is None else result.indices.astype(np.int64)
    return {
        "batch": {"indices": indices, "m": result.m},
        "learning_rate": result.eta,
        "grad_w": result.grad_w,
        "grad_b": result.grad_b,
        "weights_before": result.weights_before if include_before else None,
        "biases_before": result.biases_before if include_before else None,
        "weights": result.weights_after,
        "biases": result.biases_after,
        "cost_before": result.cost_before,
        "cost_after": result.cost_after,
        "steps": network.steps,
        "epochs": network.epochs,
        "examples_seen": network.examples_seen,
        "epoch_position": network.epoch_position,
        "history_id": history_id,
        "preview": history_id is None,
    }


def gradient_check_view(
    check: GradientCheck, example: dict[str, Any]
) -> dict[str, Any]:
    layers = [
        {
            "l": layer.layer,
            "grad_w": layer.backprop_w,
            "grad_w_numeric": layer.numeric_w,
            "rel_error_w": layer.rel_error_w,
            "grad_b": layer.backprop_b,
            "grad_b_numeric": layer.numeric_b,
            "rel_error_b": layer.rel_error_b,
        }
        for layer in check.layers
    ]
    return {
        "example": example,
        "eps": check.eps,
        "max_rel_error": check.max_rel_error,
        "layers": layers,
    }
