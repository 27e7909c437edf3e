"""Create, read, change settings of, delete, export and import networks."""

from fastapi import APIRouter, Response

from app.api.deps import NetworkId, ServicesDep
from app.api.errors import ApiError
from app.api.limits import check_batch_size
from app.api.responses import ApiJSONResponse
from app.api.schemas.common import error_responses
from app.api.schemas.networks import (
    ExportedDocument,
    NetworkCreate,
    NetworkDocument,
    NetworkPatch,
    NetworkState,
)
from app.api.views import ENGINE_NAMES

router = APIRouter(prefix="/api/networks", tags=["networks"])


@router.post(
    "",
    status_code=201,
    response_model=NetworkState,
    responses=error_responses(409),
)
def create_network(body: NetworkCreate, services: ServicesDep) -> ApiJSONResponse:
    """Create a network; every field has a default, so {"dataset": "xor"} works.

    Without explicit weights and biases they are drawn from `seed`. The input
    is layer 0 (layer 1 in Nielsen's book), so `weights` lists w^1..w^L, each
    with rows j (layer l) and columns k (layer l - 1).
    """
    state = services.networks.create(body)
    return ApiJSONResponse(state, status_code=201)


@router.post(
    "/import",
    status_code=201,
    response_model=NetworkState,
    responses=error_responses(409),
)
def import_network(body: NetworkDocument, services: ServicesDep) -> ApiJSONResponse:
    """Create a network from a document that GET .../export returned."""
    state = services.networks.import_document(body)
    return ApiJSONResponse(state, status_code=201)


@router.get(
    "/{network_id}", response_model=NetworkState, responses=error_responses(404)
)
def get_network(network_id: NetworkId, services: ServicesDep) -> ApiJSONResponse:
    """Return the configuration, parameters, counters, cost and accuracy."""
    loaded = services.networks.load(network_id)
    return ApiJSONResponse(services.networks.state(loaded))


@router.delete("/{network_id}", status_code=204, responses=error_responses(404, 409))
def delete_network(network_id: NetworkId, services: ServicesDep) -> Response:
    """Delete a network and its history; 409 while it is training."""
    services.networks.delete(network_id)
    return Response(status_code=204)


@router.patch(
    "/{network_id}",
    response_model=NetworkState,
    responses=error_responses(404, 409),
)
def patch_network(
    network_id: NetworkId, body: NetworkPatch, services: ServicesDep
) -> ApiJSONResponse:
    """Change the learning rate, mini-batch size, L2 lambda or momentum."""
    changes = body.model_dump(exclude_none=True)
    if not changes:
        raise ApiError(
            422,
            "give at least one of learning_rate, batch_size, l2, momentum",
            "learning_rate",
        )
    if "batch_size" in changes:
        check_batch_size(changes["batch_size"], services.settings.limits)
    networks = services.networks
    with networks.change(network_id) as loaded:
        engine_changes = {ENGINE_NAMES.get(k, k): v for k, v in changes.items()}
        before = loaded.network.config
        loaded.network.set_config(**engine_changes)
        # Values equal to the current ones change nothing and add no entry.
        if loaded.network.config != before:
            summary = ", ".join(f"{name} = {value}" for name, value in changes.items())
            networks.record(loaded, "settings", f"set {summary}")
        history_length = networks.history_length(loaded)
    state = networks.state(loaded, history_length)
    return ApiJSONResponse(state)


@router.get(
    "/{network_id}/export",
    response_model=ExportedDocument,
    responses=error_responses(404),
)
def export_network(network_id: NetworkId, services: ServicesDep) -> ApiJSONResponse:
    """Return the network as a versioned JSON document, for POST .../import.

    The document contains the configuration (with the engine's names eta, lmbda,
    mu), parameters, momentum velocities, counters, the initial parameters
    when they were given explicitly, and the data set.
    """
    loaded = services.networks.load(network_id)
    return ApiJSONResponse(services.networks.export(loaded))
