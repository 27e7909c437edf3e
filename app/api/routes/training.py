"""Training jobs: start, poll, stream and cancel."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse

from app.api.deps import NetworkId, ServicesDep
from app.api.responses import ApiJSONResponse
from app.api.schemas.common import error_responses
from app.api.schemas.training import TrainingJob, TrainRequest

router = APIRouter(prefix="/api/networks", tags=["training"])

EpochsFrom = Annotated[
    int,
    Query(
        ge=0,
        le=2**31,
        description="index of the first per_epoch entry to return (0: all)",
    ),
]

JobId = Annotated[
    str,
    PathParam(
        min_length=1,
        max_length=64,
        description="A job id returned by POST .../train",
        examples=["p0Jq3Zl8e2XbA1c9dWm4Tg"],
    ),
]


@router.post(
    "/{network_id}/train",
    status_code=202,
    response_model=TrainingJob,
    responses=error_responses(404, 409, 429),
)
def start_training(
    network_id: NetworkId, body: TrainRequest, services: ServicesDep
) -> ApiJSONResponse:
    """Start a job of {"steps": n} SGD steps or {"epochs": n} epochs.

    Returns 202 with the job at once. The network rejects changes with 409
    until the job ends. After each epoch the job records cost and accuracy
    on the training and test splits.
    """
    job = services.training.start(network_id, body.steps, body.epochs)
    return ApiJSONResponse(job, status_code=202)


@router.get(
    "/{network_id}/train/{job_id}",
    response_model=TrainingJob,
    responses=error_responses(404),
)
def get_training(
    network_id: NetworkId,
    job_id: JobId,
    services: ServicesDep,
    epochs_from: EpochsFrom = 0,
) -> ApiJSONResponse:
    """Return the job's status, progress and per-epoch metrics.

    per_epoch contains the epochs from index epochs_from on (default 0, all of
    them), so that a client polling a long job can ask only for new ones.
    """
    return ApiJSONResponse(services.training.get(network_id, job_id, epochs_from))


@router.delete(
    "/{network_id}/train/{job_id}",
    response_model=TrainingJob,
    responses=error_responses(404),
)
def cancel_training(
    network_id: NetworkId, job_id: JobId, services: ServicesDep
) -> ApiJSONResponse:
    """Cancel the job; the steps taken so far are kept.

    A job that has already ended is returned unchanged.
    """
    return ApiJSONResponse(services.training.cancel(network_id, job_id))


@router.get(
    "/{network_id}/train/{job_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {
                "text/event-stream": {
                    "example": 'event: progress\ndata: {"job_id": "p0Jq3Zl8e2XbA1c9dWm4'
                    'Tg", "status": "running", "steps_done": 40, ...}\n\n'
                    'event: end\ndata: {"job_id": "p0Jq3Zl8e2XbA1c9dWm4Tg", '
                    '"status": "done", ...}\n\n'
                }
            },
            "description": "progress events with the job as JSON, then one end event",
        },
        **error_responses(404),
    },
)
def stream_training(
    network_id: NetworkId,
    job_id: JobId,
    services: ServicesDep,
    epochs_from: Annotated[
        int | None,
        Query(
            ge=0,
            le=2**31,
            description="when given, each event's per_epoch starts at this "
            "index and then holds only the epochs no earlier event sent",
        ),
    ] = None,
) -> StreamingResponse:
    """Stream the job as server-sent events until it ends.

    Without epochs_from, every event has the whole per_epoch list.
    """
    services.training.get(network_id, job_id)
    return StreamingResponse(
        services.training.events(network_id, job_id, epochs_from),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store"},
    )
