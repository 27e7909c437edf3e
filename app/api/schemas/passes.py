"""Models of the forward pass, the backward pass, SGD steps and their checks."""

from typing import Annotated

from pydantic import Field

from app.api.schemas.arrays import Indices, Values, first_error_validator
from app.api.schemas.common import (
    LAYER_NOTE,
    Matrix,
    Number,
    RequestModel,
    ResponseModel,
    Split,
    Vector,
    request_config,
    response_config,
)

Index = Annotated[int, Field(ge=0, le=2**31)]


class ExampleSelection(RequestModel):
    """Either an explicit example (input, optional target) or split and index."""

    input: Values | None = Field(default=None, description="a^0, n_0 values")
    target: Values | None = Field(default=None, description="y, n_L values")
    split: Split | None = None
    index: Index | None = None

    model_config = request_config(
        {
            "examples": [
                {"split": "train", "index": 0},
                {"input": [1, 0], "target": [0, 1]},
            ]
        }
    )


class ExampleRef(ResponseModel):
    split: str
    index: int


class Prediction(ResponseModel):
    class_index: int | None = Field(description="argmax a^L; null for regression")
    class_name: str | None
    output: Vector = Field(description="a^L")


class ForwardLayer(ResponseModel):
    l: int = Field(description=f"layer number; {LAYER_NOTE}")
    z: Vector
    a: Vector


class ForwardResult(ResponseModel):
    example: ExampleRef | None
    input: Vector
    target: Vector | None
    layers: list[ForwardLayer] = Field(description="layers l = 1..L")
    output: Vector
    cost: Number | None
    prediction: Prediction
    equations: dict[str, str] = Field(
        description="the equation behind each quantity, by name: z, a (hidden "
        "layers), a_output (layer L) and cost; a backward pass adds grad_a and "
        "BP1 to BP4. With a softmax output, a_output and BP1 are the softmax "
        "and its Jacobian form."
    )
    layer_note: str

    model_config = response_config(
        {
            "examples": [
                {
                    "example": {"split": "train", "index": 0},
                    "input": [0.0, 1.0],
                    "target": [0.0, 1.0],
                    "layers": [
                        {"l": 1, "z": [0.2, -0.1], "a": [0.55, 0.475]},
                        {"l": 2, "z": [0.3, 0.1], "a": [0.574, 0.525]},
                    ],
                    "output": [0.574, 0.525],
                    "cost": 0.277,
                    "prediction": {
                        "class_index": 0,
                        "class_name": "0",
                        "output": [0.574, 0.525],
                    },
                    "equations": {
                        "z": "z^l_j = sum_k w^l_jk a^{l-1}_k + b^l_j",
                        "a": "a^l_j = sigma(z^l_j)",
                        "a_output": "a^l_j = sigma(z^l_j)",
                        "cost": "C_x = 1/2 sum_j (y_j - a^L_j)^2",
                    },
                    "layer_note": LAYER_NOTE,
                }
            ]
        }
    )


class LayerEquations(ResponseModel):
    delta: str = Field(description="BP1 in the output layer, BP2 below")
    grad_b: str
    grad_w: str


class BackwardLayer(ForwardLayer):
    sp: Vector = Field(description="sigma'(z^l), or the softmax Jacobian's diagonal")
    delta: Vector
    grad_b: Vector = Field(description="dC/db^l (BP3)")
    grad_w: Matrix = Field(description="dC/dw^l, rows j, columns k (BP4)")
    equation: LayerEquations


class BackwardResult(ForwardResult):
    layers: list[BackwardLayer] = Field(description="layers l = 1..L")  # type: ignore[assignment]
    grad_a: Vector = Field(description="grad_a C = dC/da^L")

    model_config = response_config(
        {
            "examples": [
                {
                    "example": None,
                    "input": [1.0],
                    "target": [1.0],
                    "layers": [
                        {
                            "l": 1,
                            "z": [0.5],
                            "a": [0.622],
                            "sp": [0.235],
                            "delta": [-0.089],
                            "grad_b": [-0.089],
                            "grad_w": [[-0.089]],
                            "equation": {
                                "delta": "BP1",
                                "grad_b": "BP3",
                                "grad_w": "BP4",
                            },
                        }
                    ],
                    "output": [0.622],
                    "cost": 0.071,
                    "prediction": {
                        "class_index": None,
                        "class_name": None,
                        "output": [0.622],
                    },
                    "grad_a": [-0.378],
                    "equations": {
                        "BP1": "delta^L_j = dC/da^L_j * sigma'(z^L_j)",
                        "BP3": "dC/db^l_j = delta^l_j",
                        "BP4": "dC/dw^l_jk = a^{l-1}_k delta^l_j",
                    },
                    "layer_note": LAYER_NOTE,
                }
            ]
        }
    )


class Example(RequestModel):
    input: Values
    target: Values


class StepRequest(RequestModel):
    """Empty for the next mini-batch of the epoch, or indices, or examples."""

    indices: Indices | None = Field(
        default=None, description="indices into the training split"
    )
    examples: Annotated[list[Example], first_error_validator(Example)] | None = None
    preview: bool = Field(
        default=False,
        description=(
            "compute the step and return it without changing or recording the "
            "network, e.g. for a test example that must not be trained on"
        ),
    )
    include_before: bool = Field(
        default=False,
        description=(
            "also return weights_before and biases_before, the parameters the "
            "step started from; otherwise they are null, which keeps the "
            "response a third smaller"
        ),
    )

    model_config = request_config(
        {
            "examples": [
                {},
                {"indices": [0, 1, 2], "include_before": True},
                {"examples": [{"input": [0, 1], "target": [0, 1]}]},
                {"examples": [{"input": [0, 1], "target": [0, 1]}], "preview": True},
            ]
        }
    )


class Batch(ResponseModel):
    indices: list[int] | None
    m: int


class StepResult(ResponseModel):
    batch: Batch
    learning_rate: float
    grad_w: list[Matrix] = Field(description="(1/m) sum_x dC_x/dw^l per layer")
    grad_b: list[Vector]
    weights_before: list[Matrix] | None = Field(
        description="w^l before the step; null unless include_before was true"
    )
    biases_before: list[Vector] | None = Field(
        description="b^l before the step; null unless include_before was true"
    )
    weights: list[Matrix]
    biases: list[Vector]
    cost_before: Number
    cost_after: Number
    steps: int
    epochs: int
    examples_seen: int
    epoch_position: int
    history_id: int | None = Field(
        description="the history entry of the step; null for a preview"
    )
    preview: bool = Field(description="true if the network was left unchanged")

    model_config = response_config(
        {
            "examples": [
                {
                    "batch": {"indices": [2, 0], "m": 2},
                    "learning_rate": 3.0,
                    "grad_w": [[[0.01, 0.02]]],
                    "grad_b": [[0.03]],
                    "weights_before": [[[0.5, -0.5]]],
                    "biases_before": [[0.1]],
                    "weights": [[[0.47, -0.56]]],
                    "biases": [[0.01]],
                    "cost_before": 0.2,
                    "cost_after": 0.19,
                    "steps": 1,
                    "epochs": 0,
                    "examples_seen": 2,
                    "epoch_position": 2,
                    "history_id": 1,
                    "preview": False,
                }
            ]
        }
    )


class LayerGradientCheck(ResponseModel):
    l: int
    grad_w: Matrix
    grad_w_numeric: Matrix
    rel_error_w: Matrix
    grad_b: Vector
    grad_b_numeric: Vector
    rel_error_b: Vector


class GradientCheckResult(ResponseModel):
    example: ExampleRef
    eps: float
    max_rel_error: Number
    layers: list[LayerGradientCheck]

    model_config = response_config(
        {
            "examples": [
                {
                    "example": {"split": "train", "index": 0},
                    "eps": 0.001,
                    "max_rel_error": 2.1e-10,
                    "layers": [
                        {
                            "l": 1,
                            "grad_w": [[0.01, 0.02]],
                            "grad_w_numeric": [[0.01, 0.02]],
                            "rel_error_w": [[1e-10, 2e-10]],
                            "grad_b": [0.03],
                            "grad_b_numeric": [0.03],
                            "rel_error_b": [1e-11],
                        }
                    ],
                }
            ]
        }
    )
