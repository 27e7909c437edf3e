"""Models of a network: its creation, its state, its edits and its document."""

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from app.api.schemas.arrays import Floats2, Floats3, Sizes
from app.api.schemas.common import (
    LAYER_NOTE,
    Matrix,
    Number,
    Parameter,
    RequestModel,
    ResponseModel,
    Vector,
    request_config,
    response_config,
)
from app.engine.config import MAX_SEED

HiddenActivation = Literal["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
OutputActivation = Literal[
    "sigmoid", "tanh", "relu", "leaky_relu", "identity", "softmax"
]
CostName = Literal["quadratic", "cross_entropy", "log_likelihood"]
InitName = Literal["normal", "scaled"]
LearningRate = Annotated[float, Field(ge=0, le=1e6)]
BatchSize = Annotated[int, Field(ge=1)]
L2 = Annotated[float, Field(ge=0, le=1e6)]
Momentum = Annotated[float, Field(ge=0, lt=1)]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
DatasetName = Annotated[str, Field(min_length=1, max_length=64)]

WEIGHTS_TEXT = (
    "One matrix w^l per layer l = 1..L, rows j (neurons of layer l), columns k "
    f"(neurons of layer l - 1), of any finite float64 values; {LAYER_NOTE}"
)
BIASES_TEXT = (
    f"One vector b^l per layer l = 1..L, of any finite float64 values; {LAYER_NOTE}"
)


class DatasetOptions(RequestModel):
    """Options of a built-in data set; null means the data set's default."""

    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 0
    samples: Annotated[int, Field(ge=4, le=10_000)] | None = None
    noise: Annotated[float, Field(ge=0, le=5)] | None = None
    test_fraction: Annotated[float, Field(ge=0, le=0.9)] | None = None


class NetworkCreate(RequestModel):
    """A new network; `{"dataset": "xor"}` alone is enough."""

    sizes: Sizes | None = Field(
        default=None,
        description="Layer sizes n_0..n_L, input first; default "
        "[inputs of the data set, 4, outputs of the data set]",
    )
    hidden_activation: HiddenActivation = "sigmoid"
    output_activation: OutputActivation = "sigmoid"
    cost: CostName = "quadratic"
    learning_rate: LearningRate = Field(default=3.0, description="eta")
    batch_size: BatchSize = Field(default=10, description="mini-batch size m")
    seed: Seed = Field(default=0, description="seed of the initial parameters")
    init: InitName = Field(
        default="normal",
        description="normal: w, b ~ N(0, 1); scaled: w^l ~ N(0, 1/n_{l-1})",
    )
    weights: Floats3 | None = Field(default=None, description=WEIGHTS_TEXT)
    biases: Floats2 | None = Field(default=None, description=BIASES_TEXT)
    dataset: DatasetName = Field(
        default="xor", description="A built-in data set name or an upload id"
    )
    dataset_options: DatasetOptions | None = None
    l2: L2 = Field(
        default=0.0,
        description=(
            "L2 regularisation lambda, with n the training set size. Without "
            "momentum, each step also shrinks every weight by eta * lambda / n "
            "times its value. With momentum mu, the decay goes into the "
            "velocity: v -> mu v - eta (dC/dw + (lambda / n) w), w -> w + v. "
            "Biases are not regularised. Reported costs (cost, cost_before, "
            "cost_after, per_epoch) are the unregularised mean cost, without "
            "the (lambda / 2n) sum w^2 term"
        ),
    )
    momentum: Momentum = Field(
        default=0.0,
        description=(
            "momentum mu: v -> mu v - eta dC/dw, then w -> w + v, likewise for b"
        ),
    )
    leaky_slope: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.01, description="slope of leaky_relu below 0"
    )

    model_config = request_config(
        {
            "examples": [
                {"dataset": "xor"},
                {
                    "dataset": "xor",
                    "sizes": [2, 3, 2],
                    "hidden_activation": "sigmoid",
                    "output_activation": "softmax",
                    "cost": "log_likelihood",
                    "learning_rate": 1,
                    "batch_size": 4,
                    "seed": 7,
                },
            ]
        }
    )


class NetworkPatch(RequestModel):
    """SGD settings that may change between steps."""

    learning_rate: LearningRate | None = None
    batch_size: BatchSize | None = None
    l2: L2 | None = None
    momentum: Momentum | None = None

    model_config = request_config(
        {"examples": [{"learning_rate": 0.5, "batch_size": 4}]}
    )


class ValueBody(RequestModel):
    value: Parameter = Field(description="the new value, any finite float64")

    model_config = request_config({"examples": [{"value": 0.25}]})


class ParametersBody(RequestModel):
    weights: Floats3 = Field(description=WEIGHTS_TEXT)
    biases: Floats2 = Field(description=BIASES_TEXT)

    model_config = request_config(
        {
            "examples": [
                {
                    "weights": [[[1, -1], [0.5, 0.5]], [[2, -2]]],
                    "biases": [[0, 0], [0.1]],
                }
            ]
        }
    )


class RewindBody(RequestModel):
    history_id: Annotated[int, Field(ge=1, le=2**63 - 1)]

    model_config = request_config({"examples": [{"history_id": 3}]})


class Config(ResponseModel):
    sizes: list[int]
    hidden_activation: str
    output_activation: str
    cost: str
    learning_rate: float
    batch_size: int
    seed: int
    init: str
    l2: float
    momentum: float
    leaky_slope: float


class SplitNumbers(ResponseModel):
    train: Number | None
    test: Number | None


class NetworkState(ResponseModel):
    """A network's configuration, parameters, counters and current cost."""

    id: str
    dataset: str
    dataset_options: dict[str, Any]
    config: Config
    weights: list[Matrix] = Field(description=WEIGHTS_TEXT)
    biases: list[Vector] = Field(description=BIASES_TEXT)
    steps: int
    epochs: int
    examples_seen: int
    epoch_position: int
    cost: SplitNumbers = Field(
        description="Mean cost on each split, without the L2 term"
    )
    accuracy: SplitNumbers | None = Field(
        description="Fraction classified right on each split; null for regression"
    )
    training_job: str | None
    history_length: int
    layer_note: str

    model_config = response_config(
        {
            "examples": [
                {
                    "id": "Zb3k9xWq1sT0mPq8vY2aRg",
                    "dataset": "xor",
                    "dataset_options": {
                        "seed": 0,
                        "samples": None,
                        "noise": None,
                        "test_fraction": None,
                    },
                    "config": {
                        "sizes": [2, 1, 1],
                        "hidden_activation": "sigmoid",
                        "output_activation": "sigmoid",
                        "cost": "quadratic",
                        "learning_rate": 3.0,
                        "batch_size": 10,
                        "seed": 0,
                        "init": "normal",
                        "l2": 0.0,
                        "momentum": 0.0,
                        "leaky_slope": 0.01,
                    },
                    "weights": [[[0.13, -0.13]], [[0.64]]],
                    "biases": [[0.12], [-0.54]],
                    "steps": 0,
                    "epochs": 0,
                    "examples_seen": 0,
                    "epoch_position": 0,
                    "cost": {"train": 0.125, "test": 0.126},
                    "accuracy": {"train": 0.5, "test": 0.5},
                    "training_job": None,
                    "history_length": 0,
                    "layer_note": LAYER_NOTE,
                }
            ]
        }
    )


DOCUMENT_EXAMPLE: dict[str, Any] = {
    "format": "backprop-viz.network",
    "version": 1,
    "config": {
        "sizes": [2, 1, 1],
        "hidden_activation": "sigmoid",
        "output_activation": "sigmoid",
        "cost": "quadratic",
        "eta": 3.0,
        "batch_size": 10,
        "seed": 0,
        "init": "normal",
        "lmbda": 0.0,
        "mu": 0.0,
        "leaky_slope": 0.01,
    },
    "weights": [[[0.13, -0.13]], [[0.64]]],
    "biases": [[0.12], [-0.54]],
    "velocity_w": [[[0.0, 0.0]], [[0.0]]],
    "velocity_b": [[0.0], [0.0]],
    "counters": {
        "steps": 0,
        "epochs": 0,
        "examples_seen": 0,
        "epoch_position": 0,
    },
    "initial": None,
    "dataset": "xor",
    "dataset_options": {"seed": 0},
}


class ConfigDocument(RequestModel):
    """The engine's configuration, with the engine's field names."""

    sizes: Sizes
    hidden_activation: HiddenActivation
    output_activation: OutputActivation
    cost: CostName
    eta: LearningRate
    batch_size: BatchSize
    seed: Seed
    init: InitName
    lmbda: L2
    mu: Momentum
    leaky_slope: Annotated[float, Field(ge=0, le=1)]


class Counters(RequestModel):
    """Counters up to 2**53; steps and training stop before they pass it."""

    steps: Annotated[int, Field(ge=0, le=2**53)]
    epochs: Annotated[int, Field(ge=0, le=2**53)]
    examples_seen: Annotated[int, Field(ge=0, le=2**53)]
    epoch_position: Annotated[int, Field(ge=0, le=2**53)]


class InitialParameters(RequestModel):
    weights: Floats3
    biases: Floats2


class NetworkDocument(RequestModel):
    """A network as exported: the engine's versioned document plus its data set.

    Parameters and velocities may be any finite floats, not only those within
    the bound on values that a client sets directly, because training can
    take them further and every export must import again.
    """

    format: Literal["backprop-viz.network"]
    version: Literal[1]
    config: ConfigDocument
    weights: Floats3 = Field(description=WEIGHTS_TEXT)
    biases: Floats2 = Field(description=BIASES_TEXT)
    velocity_w: Floats3
    velocity_b: Floats2
    counters: Counters
    initial: InitialParameters | None = Field(
        description="Explicit initial parameters, or null when they are drawn "
        "from config.seed"
    )
    dataset: DatasetName = "xor"
    dataset_options: DatasetOptions | None = None

    model_config = request_config({"examples": [DOCUMENT_EXAMPLE]})

    @field_validator("version", mode="before")
    @classmethod
    def _whole_version(cls, value: Any) -> Any:
        # Literal[1] alone accepts true and 1.0, which equal 1 in Python.
        if type(value) is not int or value != 1:
            raise ValueError(
                "should be 1, the only document version this server reads "
                "(as GET /api/networks/{id}/export writes it)"
            )
        return value


class ExportedDocument(ResponseModel):
    """The body of GET export, which POST import accepts unchanged."""

    format: str
    version: int
    config: dict[str, Any]
    weights: list[Matrix]
    biases: list[Vector]
    velocity_w: list[Matrix]
    velocity_b: list[Vector]
    counters: dict[str, int]
    initial: dict[str, Any] | None
    dataset: str
    dataset_options: dict[str, Any]

    model_config = response_config({"examples": [DOCUMENT_EXAMPLE]})


class HistoryEntry(ResponseModel):
    id: int
    kind: str = Field(description="create, step, edit, settings, reset, train ...")
    summary: str
    steps: int
    epochs: int
    examples_seen: int
    cost: Number | None = Field(
        description="Mean cost on the training set after, without the L2 term"
    )
    created_at: float = Field(description="Unix time in seconds")


class HistoryList(ResponseModel):
    entries: list[HistoryEntry]

    model_config = response_config(
        {
            "examples": [
                {
                    "entries": [
                        {
                            "id": 1,
                            "kind": "step",
                            "summary": "SGD step on 4 examples",
                            "steps": 1,
                            "epochs": 1,
                            "examples_seen": 4,
                            "cost": 0.124,
                            "created_at": 1764862200.5,
                        }
                    ]
                }
            ]
        }
    )


class Health(ResponseModel):
    status: Literal["ok"]

    model_config = response_config({"examples": [{"status": "ok"}]})
