"""Pick the example that a forward, backward or gradient-check request names.

A request gives either an explicit example ({"input": [...], "target":
[...]}, target optional) or one of the data set ({"split": "train"|"test",
"index": i}).
"""

from typing import Any

import numpy as np

from app.api.errors import ApiError, count_of
from app.api.schemas.passes import ExampleSelection
from app.datasets import Dataset
from app.engine import Network

Selected = tuple[np.ndarray, np.ndarray | None, dict[str, Any] | None]


def dataset_example(dataset: Dataset, split: str, index: int) -> Selected:
    x, y = dataset.arrays("train" if split == "train" else "test")
    total = x.shape[0]
    if index >= total:
        where = f"the {split} split of data set {dataset.name}"
        message = (
            f"index {index} is out of range: {where} has {total} examples "
            f"(indices 0..{total - 1})"
            if total
            else f"index {index} is out of range: {where} is empty"
        )
        raise ApiError(422, message, "index")
    return x[index : index + 1], y[index : index + 1], {"split": split, "index": index}


def select_example(
    body: ExampleSelection, network: Network, dataset: Dataset
) -> Selected:
    """Return x (1, n_0), y (1, n_L) or None, and the example's reference."""
    from_dataset = body.split is not None or body.index is not None
    explicit = body.input is not None or body.target is not None
    if from_dataset and explicit:
        field = "input" if body.input is not None else "target"
        raise ApiError(
            422, "give either input (and target) or split and index, not both", field
        )
    if from_dataset:
        if body.split is None:
            raise ApiError(422, "split is required with index", "split")
        if body.index is None:
            raise ApiError(422, "index is required with split", "index")
        return dataset_example(dataset, body.split, body.index)
    if body.input is None:
        raise ApiError(
            422,
            "input is required: give input (and optionally target), or split and index",
            "input",
        )
    sizes = network.config.sizes
    if len(body.input) != sizes[0]:
        raise ApiError(
            422,
            f"input has {count_of(len(body.input), 'value')}, the network "
            f"expects {sizes[0]}",
            "input",
        )
    x = np.array([body.input], dtype=np.float64)
    if body.target is None:
        return x, None, None
    if len(body.target) != sizes[-1]:
        raise ApiError(
            422,
            f"target has {count_of(len(body.target), 'value')}, the network "
            f"expects {sizes[-1]}",
            "target",
        )
    return x, np.array([body.target], dtype=np.float64), None
