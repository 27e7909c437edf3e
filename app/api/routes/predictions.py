"""Predictions over the data set's input range: a grid for 2 inputs, a curve for 1.

The training view draws them under the data points, so that a student can watch
the decision boundary or the fitted curve change while the network learns.
"""

from typing import Any

import numpy as np
from fastapi import APIRouter

from app.api.deps import NetworkId, Services, ServicesDep
from app.api.errors import ApiError, limit_exceeded
from app.api.networks import Loaded
from app.api.responses import ApiJSONResponse
from app.api.schemas.common import error_responses
from app.api.schemas.predictions import (
    CurveRequest,
    CurveResult,
    GridRequest,
    GridResult,
)

router = APIRouter(prefix="/api/networks", tags=["backpropagation"])


def _load_for(
    services: Services, network_id: str, resolution: int, n_inputs: int, endpoint: str
) -> Loaded:
    """Check the resolution, then load a network that has n_inputs inputs."""
    limits = services.settings.limits
    if resolution > limits.max_grid_resolution:
        raise limit_exceeded(
            "max_grid_resolution",
            limits.max_grid_resolution,
            resolution,
            "resolution",
            "resolution",
        )
    loaded = services.networks.load(network_id)
    n_0 = loaded.network.config.sizes[0]
    if n_0 != n_inputs:
        inputs = "1 input" if n_inputs == 1 else f"{n_inputs} inputs"
        raise ApiError(
            422,
            f"{endpoint} needs a network with {inputs}, this one has {n_0}",
            "network_id",
        )
    return loaded


def _axis(loaded: Loaded, resolution: int) -> np.ndarray:
    low, high = loaded.dataset.input_range
    return np.linspace(low, high, resolution)


@router.post(
    "/{network_id}/predict-grid",
    response_model=GridResult,
    responses=error_responses(404, 409),
)
def predict_grid(
    network_id: NetworkId, services: ServicesDep, body: GridRequest | None = None
) -> ApiJSONResponse:
    """Predict on a grid over the data set's input range (2 inputs only).

    values[r][c] is the prediction at (x[c], y[r]): the class index for
    classification, output 0 for regression.
    """
    body = body or GridRequest()
    loaded = _load_for(services, network_id, body.resolution, 2, "predict-grid")
    xs = _axis(loaded, body.resolution)
    ys = xs.copy()
    grid_x, grid_y = np.meshgrid(xs, ys)
    points = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    with np.errstate(all="ignore"):
        output = loaded.network.predict(points)
    return ApiJSONResponse(_grid_view(xs, ys, output, loaded.dataset.task))


def _grid_view(
    xs: np.ndarray, ys: np.ndarray, output: np.ndarray, task: str
) -> dict[str, Any]:
    shape = (ys.shape[0], xs.shape[0])
    if task != "classification":
        return {
            "x": xs,
            "y": ys,
            "values": output[:, 0].reshape(shape),
            "probability": None,
        }
    if output.shape[1] == 1:
        positive = output[:, 0] >= 0.5
        classes = positive.astype(np.int64)
        probability = np.where(positive, output[:, 0], 1.0 - output[:, 0])
    else:
        classes = output.argmax(axis=1)
        probability = output[np.arange(output.shape[0]), classes]
    return {
        "x": xs,
        "y": ys,
        "values": classes.reshape(shape),
        "probability": probability.reshape(shape),
    }


@router.post(
    "/{network_id}/predict-curve",
    response_model=CurveResult,
    responses=error_responses(404, 409),
)
def predict_curve(
    network_id: NetworkId, services: ServicesDep, body: CurveRequest | None = None
) -> ApiJSONResponse:
    """Return a^L at evenly spaced x over the data set's input range (1 input only).

    a[i] is the output a^L of the network for the input a^0 = x[i]. It equals
    the output of a forward pass of that input up to the last bits, since all
    x go through one matrix product.
    """
    body = body or CurveRequest()
    loaded = _load_for(services, network_id, body.resolution, 1, "predict-curve")
    xs = _axis(loaded, body.resolution)
    with np.errstate(all="ignore"):
        output = loaded.network.predict(xs[:, np.newaxis])
    return ApiJSONResponse({"x": xs, "a": output})
