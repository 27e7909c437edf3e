"""Models of the predictions over the input range that the training view draws."""

from typing import Annotated

from pydantic import Field

from app.api.schemas.common import (
    Matrix,
    RequestModel,
    ResponseModel,
    Vector,
    request_config,
    response_config,
)


class GridRequest(RequestModel):
    resolution: Annotated[int, Field(ge=2)] = Field(
        default=50, description="points per axis"
    )

    model_config = request_config({"examples": [{"resolution": 50}]})


class GridResult(ResponseModel):
    x: Vector = Field(description="values of input 0, one per column")
    y: Vector = Field(description="values of input 1, one per row")
    values: Matrix = Field(
        description="predicted class index, or output 0 for regression; rows y"
    )
    probability: Matrix | None = Field(
        description="a^L of the predicted class; null for regression"
    )

    model_config = response_config(
        {
            "examples": [
                {
                    "x": [0.0, 1.0],
                    "y": [0.0, 1.0],
                    "values": [[0, 1], [1, 0]],
                    "probability": [[0.9, 0.8], [0.7, 0.95]],
                }
            ]
        }
    )


class CurveRequest(RequestModel):
    resolution: Annotated[int, Field(ge=2)] = Field(
        default=101, description="points along the input axis"
    )

    model_config = request_config({"examples": [{"resolution": 101}]})


class CurveResult(ResponseModel):
    x: Vector = Field(description="values of the one input a^0, evenly spaced")
    a: Matrix = Field(description="a^L at each x: one row per x, n_L columns")

    model_config = response_config(
        {"examples": [{"x": [-1.0, 0.0, 1.0], "a": [[0.12], [0.5], [0.88]]}]}
    )
