"""Set one weight or bias, set all parameters, or reset to the initial ones."""

import math
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam

from app.api.deps import NetworkId, ServicesDep
from app.api.errors import ApiError, engine_error, quote
from app.api.responses import ApiJSONResponse
from app.api.schemas.common import error_responses
from app.api.schemas.networks import NetworkState, ParametersBody, ValueBody


def check_plain_digits(request: Request) -> None:
    """Reject l, j or k path parts other than plain decimal digits.

    FastAPI reads "1.0", "+1", " 1" and "1_0" as the integer 1, which would
    let two different URLs name one weight.
    """
    for name in ("l", "j", "k"):
        text = request.path_params.get(name)
        if isinstance(text, str) and not PLAIN_DIGITS.fullmatch(text):
            raise ApiError(
                422,
                f"{name} must be a whole number written with the digits 0-9 "
                f"only, at most {MAX_DIGITS} of them, got {quote(text)}",
                name,
            )


# 2^31, the largest index allowed, has 10 digits.
MAX_DIGITS = 10
PLAIN_DIGITS = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")

router = APIRouter(
    prefix="/api/networks",
    tags=["editing"],
    dependencies=[Depends(check_plain_digits)],
)

Layer = Annotated[
    int, PathParam(ge=1, le=2**31, description="layer l = 1..L (the input is 0)")
]
Row = Annotated[int, PathParam(ge=0, le=2**31, description="neuron j of layer l")]
Column = Annotated[
    int, PathParam(ge=0, le=2**31, description="neuron k of layer l - 1")
]


def _check_index(sizes: tuple[int, ...], l: int, j: int, k: int | None) -> None:
    L = len(sizes) - 1
    if l > L:
        raise ApiError(422, f"layer l must be between 1 and {L}, got {l}", "l")
    if j >= sizes[l]:
        raise ApiError(
            422, f"j must be between 0 and {sizes[l] - 1} in layer {l}, got {j}", "j"
        )
    if k is not None and k >= sizes[l - 1]:
        raise ApiError(
            422,
            f"k must be between 0 and {sizes[l - 1] - 1} (layer {l - 1}), got {k}",
            "k",
        )


def _same_float(old: float, new: float) -> bool:
    """Return whether two floats are equal, telling 0.0 and -0.0 apart."""
    return old == new and math.copysign(1.0, old) == math.copysign(1.0, new)


@router.put(
    "/{network_id}/weights/{l}/{j}/{k}",
    response_model=NetworkState,
    responses=error_responses(404, 409),
)
def set_weight(
    network_id: NetworkId,
    l: Layer,
    j: Row,
    k: Column,
    body: ValueBody,
    services: ServicesDep,
) -> ApiJSONResponse:
    """Set the weight w^l_jk from neuron k of layer l - 1 to neuron j of layer l."""
    networks = services.networks
    with networks.change(network_id) as loaded:
        _check_index(loaded.network.config.sizes, l, j, k)
        old = float(loaded.network.weights[l - 1][j, k])
        # Setting the value a weight already has changes nothing and so
        # adds no history entry.
        if not _same_float(old, body.value):
            loaded.network.set_weight(l, j, k, body.value)
            summary = f"w^{l}_{j},{k}: {old} -> {body.value}"
            networks.record(loaded, "edit", summary)
        history_length = networks.history_length(loaded)
    state = networks.state(loaded, history_length)
    return ApiJSONResponse(state)


@router.put(
    "/{network_id}/biases/{l}/{j}",
    response_model=NetworkState,
    responses=error_responses(404, 409),
)
def set_bias(
    network_id: NetworkId, l: Layer, j: Row, body: ValueBody, services: ServicesDep
) -> ApiJSONResponse:
    """Set the bias b^l_j of neuron j in layer l."""
    networks = services.networks
    with networks.change(network_id) as loaded:
        _check_index(loaded.network.config.sizes, l, j, None)
        old = float(loaded.network.biases[l - 1][j])
        if not _same_float(old, body.value):
            loaded.network.set_bias(l, j, body.value)
            networks.record(loaded, "edit", f"b^{l}_{j}: {old} -> {body.value}")
        history_length = networks.history_length(loaded)
    state = networks.state(loaded, history_length)
    return ApiJSONResponse(state)


@router.put(
    "/{network_id}/parameters",
    response_model=NetworkState,
    responses=error_responses(404, 409),
)
def set_parameters(
    network_id: NetworkId, body: ParametersBody, services: ServicesDep
) -> ApiJSONResponse:
    """Replace every weight and bias; shapes must match the network's sizes.

    With momentum, the velocities are kept, here and when one weight or bias
    is set; POST .../reset sets them to zero with the initial parameters.
    """
    networks = services.networks
    with networks.change(network_id) as loaded:
        network = loaded.network
        before = [*network.weights, *network.biases]
        try:
            network.set_parameters(body.weights, body.biases)
        except ValueError as exc:
            raise engine_error(exc, "weights") from None
        # As for one weight, setting the values the network already has (bit
        # for bit, so -0.0 differs from 0.0) adds no history entry.
        after = [*network.weights, *network.biases]
        if any(a.tobytes() != b.tobytes() for a, b in zip(before, after, strict=True)):
            networks.record(loaded, "edit", "set all weights and biases")
        history_length = networks.history_length(loaded)
    state = networks.state(loaded, history_length)
    return ApiJSONResponse(state)


@router.post(
    "/{network_id}/reset",
    response_model=NetworkState,
    responses=error_responses(404, 409),
)
def reset(network_id: NetworkId, services: ServicesDep) -> ApiJSONResponse:
    """Restore the exact initial parameters and set every counter to 0.

    The reset is a history entry like any change, so it can be undone.
    """
    networks = services.networks
    with networks.change(network_id) as loaded:
        loaded.network.reset()
        networks.record(loaded, "reset", "reset to the initial parameters")
        history_length = networks.history_length(loaded)
    state = networks.state(loaded, history_length)
    return ApiJSONResponse(state)
