"""The Dataset record that built-in and uploaded data sets share."""

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Task = Literal["classification", "regression"]
Kind = Literal["toy", "real", "upload"]
Split = Literal["train", "test"]


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set split into training and test examples.

    x_train is (n_train, n_inputs) and y_train is (n_train, n_outputs), the
    same for the test split, all float64. Classification targets are one-hot
    rows whose column j is class_names[j]. The arrays are made read-only so
    that a cached or shared data set cannot be changed by accident.
    """

    name: str
    title: str
    task: Task
    x_train: FloatArray
    y_train: FloatArray
    x_test: FloatArray
    y_test: FloatArray
    feature_names: list[str]
    class_names: list[str] | None
    input_range: tuple[float, float]
    description: str
    source: str
    license: str
    image_shape: tuple[int, int] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    kind: Kind = "toy"

    def __post_init__(self) -> None:
        for array_name in ("x_train", "y_train", "x_test", "y_test"):
            array = np.array(getattr(self, array_name), dtype=np.float64)
            if array.ndim != 2:
                raise ValueError(
                    f"{array_name} must be a 2-D array, got {array.ndim} dimensions"
                )
            array.setflags(write=False)
            object.__setattr__(self, array_name, array)
        self._check_shapes()

    def _check_shapes(self) -> None:
        n_inputs = self.x_train.shape[1]
        n_outputs = self.y_train.shape[1]
        if self.x_test.shape[1] != n_inputs:
            raise ValueError(
                f"x_test has {self.x_test.shape[1]} columns, x_train has {n_inputs}"
            )
        if self.y_test.shape[1] != n_outputs:
            raise ValueError(
                f"y_test has {self.y_test.shape[1]} columns, y_train has {n_outputs}"
            )
        if self.x_train.shape[0] != self.y_train.shape[0]:
            raise ValueError("x_train and y_train have different numbers of rows")
        if self.x_test.shape[0] != self.y_test.shape[0]:
            raise ValueError("x_test and y_test have different numbers of rows")
        if len(self.feature_names) != n_inputs:
            raise ValueError(
                f"{len(self.feature_names)} feature names for {n_inputs} inputs"
            )
        if self.task == "classification":
            if self.class_names is None or len(self.class_names) != n_outputs:
                raise ValueError("classification needs one class name per output")
        elif self.class_names is not None:
            raise ValueError("regression data sets have no class names")

    @property
    def n_inputs(self) -> int:
        """Input size n_0 of a network for this data set."""
        return int(self.x_train.shape[1])

    @property
    def n_outputs(self) -> int:
        """Output size n_L of a network for this data set."""
        return int(self.y_train.shape[1])

    @property
    def n_train(self) -> int:
        """Number of training examples."""
        return int(self.x_train.shape[0])

    @property
    def n_test(self) -> int:
        """Number of test examples."""
        return int(self.x_test.shape[0])

    def arrays(self, split: Split) -> tuple[FloatArray, FloatArray]:
        """Return (x, y) of the "train" or "test" split."""
        if split == "train":
            return self.x_train, self.y_train
        if split == "test":
            return self.x_test, self.y_test
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")

    def labels(self, split: Split) -> IntArray:
        """Return the class index of each example of a split (classification)."""
        if self.task != "classification":
            raise ValueError(f"data set {self.name!r} is regression and has no labels")
        _, y = self.arrays(split)
        return np.argmax(y, axis=1).astype(np.int64)

    def describe(self) -> dict[str, Any]:
        """Return the JSON-ready summary that the API and UI show."""
        return {
            "name": self.name,
            "title": self.title,
            "kind": self.kind,
            "task": self.task,
            "n_inputs": self.n_inputs,
            "n_outputs": self.n_outputs,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "feature_names": list(self.feature_names),
            "class_names": None if self.class_names is None else list(self.class_names),
            "input_range": [float(self.input_range[0]), float(self.input_range[1])],
            "image_shape": None if self.image_shape is None else list(self.image_shape),
            "description": self.description,
            "source": self.source,
            "license": self.license,
            "options": dict(self.options),
        }
