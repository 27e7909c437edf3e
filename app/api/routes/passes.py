"""Forward pass, backward pass, SGD step and gradient check of one network."""

from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query

from app.api.deps import NetworkId, Services, ServicesDep
from app.api.dispatch import run_sized
from app.api.errors import ApiError, count_of, engine_error, limit_exceeded
from app.api.limits import check_counter_room
from app.api.networks import Loaded
from app.api.responses import ApiJSONResponse
from app.api.schemas.common import Split, error_responses
from app.api.schemas.passes import (
    BackwardResult,
    ExampleSelection,
    ForwardResult,
    GradientCheckResult,
    StepRequest,
    StepResult,
)
from app.api.selection import dataset_example, select_example
from app.api.views import backward_view, forward_view, gradient_check_view, step_view
from app.engine import DivergenceError, gradient_check
from app.engine import StepResult as EngineStepResult
from app.settings import Limits

router = APIRouter(prefix="/api/networks", tags=["backpropagation"])


@router.post(
    "/{network_id}/forward",
    response_model=ForwardResult,
    responses=error_responses(404, 409),
)
async def forward(
    network_id: NetworkId, body: ExampleSelection, services: ServicesDep
) -> ApiJSONResponse:
    """Run the forward pass: z^l and a^l for l = 1..L, the output and the cost.

    The cost is null when the example has no target.
    """
    work = services.networks.work(network_id, 1)
    return await run_sized(work, _forward, network_id, body, services)


def _forward(
    network_id: str, body: ExampleSelection, services: Services
) -> ApiJSONResponse:
    loaded = services.networks.load(network_id)
    x, y, example = select_example(body, loaded.network, loaded.dataset)
    try:
        with np.errstate(all="ignore"):
            trace = loaded.network.forward(x, y)
    except ValueError as exc:
        raise engine_error(exc, "target") from None
    return ApiJSONResponse(forward_view(trace, loaded.network, loaded.dataset, example))


@router.post(
    "/{network_id}/backward",
    response_model=BackwardResult,
    responses=error_responses(404, 409),
)
async def backward(
    network_id: NetworkId, body: ExampleSelection, services: ServicesDep
) -> ApiJSONResponse:
    """Run forward and backward passes for one example with a target.

    Each layer gets delta^l (BP1 at the output, BP2 below), dC/db^l (BP3)
    and dC/dw^l (BP4), with rows j and columns k.
    """
    work = services.networks.work(network_id, 1)
    return await run_sized(work, _backward, network_id, body, services)


def _backward(
    network_id: str, body: ExampleSelection, services: Services
) -> ApiJSONResponse:
    loaded = services.networks.load(network_id)
    x, y, example = select_example(body, loaded.network, loaded.dataset)
    if y is None:
        raise ApiError(422, "target is required for the backward pass", "target")
    try:
        with np.errstate(all="ignore"):
            trace = loaded.network.backward(x, y)
    except ValueError as exc:
        raise engine_error(exc, "target") from None
    return ApiJSONResponse(
        backward_view(trace, loaded.network, loaded.dataset, example)
    )


def _check_batch(count: int, limits: Limits, field: str) -> None:
    if count == 0:
        raise ApiError(422, f"{field} must not be empty", field)
    if count > limits.max_batch_size:
        raise limit_exceeded(
            "max_batch_size",
            limits.max_batch_size,
            count,
            f"the number of {field}",
            field,
        )


def _take_step(
    loaded: Loaded, body: StepRequest, limits: Limits
) -> tuple[EngineStepResult, str]:
    """Take the step the body requests and return it with a history summary.

    A DivergenceError passes through to its own handler; any other ValueError
    of the engine becomes a 422 for the field examples.
    """
    try:
        return _step_for_body(loaded, body, limits)
    except DivergenceError:
        raise
    except ValueError as exc:
        raise engine_error(exc, "examples") from None


def _step_for_body(
    loaded: Loaded, body: StepRequest, limits: Limits
) -> tuple[EngineStepResult, str]:
    network, dataset = loaded.network, loaded.dataset
    x_train, y_train = dataset.x_train, dataset.y_train
    check_counter_room(
        network, 1, max(network.config.batch_size, limits.max_batch_size)
    )
    if body.indices is not None and body.examples is not None:
        raise ApiError(422, "give indices or examples, not both", "examples")
    if body.indices is not None:
        _check_batch(len(body.indices), limits, "indices")
        for i, index in enumerate(body.indices):
            if index >= dataset.n_train:
                raise ApiError(
                    422,
                    f"indices[{i}] is {index}, but the training split has "
                    f"{dataset.n_train} examples (indices 0..{dataset.n_train - 1})",
                    f"indices.{i}",
                )
        indices = np.array(body.indices, dtype=np.int64)
        result = network.step(
            x_train[indices], y_train[indices], n_train=dataset.n_train, indices=indices
        )
        return result, f"SGD step on {len(indices)} chosen training examples"
    if body.examples is not None:
        _check_batch(len(body.examples), limits, "examples")
        sizes = network.config.sizes
        for i, example in enumerate(body.examples):
            for name, values, width in (
                ("input", example.input, sizes[0]),
                ("target", example.target, sizes[-1]),
            ):
                if len(values) != width:
                    raise ApiError(
                        422,
                        f"examples[{i}].{name} has "
                        f"{count_of(len(values), 'value')}, the network expects "
                        f"{width}",
                        f"examples.{i}.{name}",
                    )
        x = np.array([example.input for example in body.examples], dtype=np.float64)
        y = np.array([example.target for example in body.examples], dtype=np.float64)
        result = network.step(x, y, n_train=dataset.n_train)
        return result, f"SGD step on {len(body.examples)} given examples"
    result = network.step_next_batch(x_train, y_train)
    return result, f"SGD step on the next mini-batch of {result.m} examples"


@router.post(
    "/{network_id}/step",
    response_model=StepResult,
    responses=error_responses(404, 409),
)
async def step(
    network_id: NetworkId, services: ServicesDep, body: StepRequest | None = None
) -> ApiJSONResponse:
    """Take one SGD step and return its mini-batch, gradients and parameters.

    An empty body takes the next mini-batch of the seeded epoch order;
    {"indices": [...]} takes those training examples; {"examples": [...]}
    takes the given ones. A step that makes any value NaN or infinite is
    rejected with 422 and changes nothing. With "preview": true the step is
    computed on a copy and returned, and the network is left as it was. With
    "include_before": true the response also has the parameters before the
    step.
    """
    body = body or StepRequest()
    requested = body.indices if body.indices is not None else body.examples
    m = None if requested is None else len(requested)
    work = services.networks.work(network_id, m)
    return await run_sized(work, _step, network_id, body, services)


def _step(network_id: str, body: StepRequest, services: Services) -> ApiJSONResponse:
    networks = services.networks
    if body.preview:
        # load returns a network of the request's own, so the step changes
        # nothing that is stored or cached.
        loaded = networks.load(network_id)
        result, _ = _take_step(loaded, body, services.settings.limits)
        return ApiJSONResponse(
            step_view(result, loaded.network, None, body.include_before)
        )
    # The view shares arrays with the cached network. That is safe because
    # Network.step puts new arrays in place of the old ones and never writes
    # into them.
    with networks.change(network_id, cache=True) as loaded:
        result, summary = _take_step(loaded, body, services.settings.limits)
        history_id = networks.record(loaded, "step", summary)
        view = step_view(result, loaded.network, history_id, body.include_before)
    return ApiJSONResponse(view)


@router.get(
    "/{network_id}/gradient-check",
    response_model=GradientCheckResult,
    responses=error_responses(404, 409),
)
def check_gradient(
    network_id: NetworkId,
    services: ServicesDep,
    split: Split = "train",
    index: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> ApiJSONResponse:
    """Compare backprop's dC/dw and dC/db with finite differences, per parameter.

    The numeric gradient is the fourth-order central difference with step
    eps; rel_error is |numeric - backprop| / max(|numeric|, |backprop|, 1e-8).
    """
    loaded = services.networks.load(network_id)
    limits = services.settings.limits
    parameters = loaded.network.num_parameters
    if parameters > limits.max_gradient_check_parameters:
        raise limit_exceeded(
            "max_gradient_check_parameters",
            limits.max_gradient_check_parameters,
            parameters,
            "the network's number of parameters",
            "network_id",
        )
    x, y, example = dataset_example(loaded.dataset, split, index)
    with np.errstate(all="ignore"):
        check = gradient_check(loaded.network, x, y)
    assert example is not None
    return ApiJSONResponse(gradient_check_view(check, example))
