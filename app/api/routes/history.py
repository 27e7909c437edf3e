"""The history of a network: list, undo, rewind and CSV export.

Every change (step, edit, settings, reset, training job) adds an entry with a
snapshot of the whole state after it, so rewinding restores the exact
float64 parameters. Undo returns to the state before the newest entry and
deletes that entry. Rewind returns to the state right after an entry and
deletes the entries after it. When a change goes past max_history
entries, the oldest tenth of them is dropped. Past max_history_bytes of
snapshots, the oldest entries beyond it are dropped.
"""

import csv
import io
import time

from fastapi import APIRouter, Response

from app.api.deps import NetworkId, ServicesDep
from app.api.errors import ApiError
from app.api.responses import ApiJSONResponse
from app.api.schemas.common import error_responses
from app.api.schemas.networks import HistoryList, NetworkState, RewindBody
from app.api.store import networks as store
from app.engine import Network

router = APIRouter(prefix="/api/networks", tags=["history"])

CSV_COLUMNS = (
    "id",
    "kind",
    "summary",
    "steps",
    "epochs",
    "examples_seen",
    "cost",
    "created_at",
)


def _entries(services: ServicesDep, network_id: str) -> list[store.HistoryEntry]:
    return services.networks.history(network_id)


@router.get(
    "/{network_id}/history",
    response_model=HistoryList,
    responses=error_responses(404),
)
def list_history(network_id: NetworkId, services: ServicesDep) -> ApiJSONResponse:
    """List the changes kept in the history, oldest first.

    cost is the mean cost on the training split after the change.
    """
    entries = _entries(services, network_id)
    return ApiJSONResponse({"entries": [entry.__dict__ for entry in entries]})


@router.get(
    "/{network_id}/history.csv",
    responses={
        200: {
            "content": {
                "text/csv": {
                    "example": "id,kind,summary,steps,epochs,examples_seen,cost,"
                    "created_at\n1,step,SGD step on the next mini-batch of 10 "
                    "examples,1,0,10,0.351,1764862200.5\n"
                }
            },
            "description": "One row per entry",
        },
        **error_responses(404),
    },
    response_class=Response,
)
def history_csv(network_id: NetworkId, services: ServicesDep) -> Response:
    """Return the history as CSV with a header row, for a spreadsheet or plot."""
    entries = _entries(services, network_id)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        row = entry.__dict__
        writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])
    return Response(
        text.getvalue(),
        media_type="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="history-{network_id}.csv"'
        },
    )


@router.post(
    "/{network_id}/undo",
    response_model=NetworkState,
    responses=error_responses(404, 409),
)
def undo(network_id: NetworkId, services: ServicesDep) -> ApiJSONResponse:
    """Undo the newest change; 409 when the history is empty."""
    networks = services.networks
    with networks.change(network_id) as loaded:
        popped = store.pop_history(
            loaded.conn, network_id, loaded.row.initial_parameters
        )
        if popped is None:
            raise ApiError(409, "the history is empty; there is nothing to undo", None)
        _, document = popped
        loaded.network = Network.from_document(document)
        store.save_document(loaded.conn, network_id, document, time.time())
        history_length = networks.history_length(loaded)
    state = networks.state(loaded, history_length)
    return ApiJSONResponse(state)


@router.post(
    "/{network_id}/rewind",
    response_model=NetworkState,
    responses=error_responses(404, 409),
)
def rewind(
    network_id: NetworkId, body: RewindBody, services: ServicesDep
) -> ApiJSONResponse:
    """Return to the exact state right after history entry history_id.

    The entries after it are deleted.
    """
    networks = services.networks
    with networks.change(network_id) as loaded:
        document = store.history_document(
            loaded.conn, network_id, body.history_id, loaded.row.initial_parameters
        )
        if document is None:
            raise ApiError(
                422,
                f"history_id {body.history_id} is not in this network's history; "
                "GET .../history lists the ids kept",
                "history_id",
            )
        loaded.network = Network.from_document(document)
        store.truncate_history(loaded.conn, network_id, body.history_id)
        store.save_document(loaded.conn, network_id, document, time.time())
        history_length = networks.history_length(loaded)
    state = networks.state(loaded, history_length)
    return ApiJSONResponse(state)
