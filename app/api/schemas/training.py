"""Models of training jobs."""

from typing import Annotated

from pydantic import Field

from app.api.schemas.common import (
    Number,
    RequestModel,
    ResponseModel,
    request_config,
    response_config,
)


class TrainRequest(RequestModel):
    """Exactly one of steps or epochs."""

    steps: Annotated[int, Field(ge=1)] | None = None
    epochs: Annotated[int, Field(ge=1)] | None = None

    model_config = request_config({"examples": [{"epochs": 5}, {"steps": 200}]})


class EpochMetrics(ResponseModel):
    epoch: int = Field(description="the network's epoch counter after the epoch")
    train_cost: Number
    train_accuracy: float | None
    test_cost: Number | None
    test_accuracy: float | None


class TrainingJob(ResponseModel):
    job_id: str
    network_id: str
    status: str = Field(description="running, done, cancelled or failed")
    steps_done: int
    steps_total: int
    epochs: int = Field(description="epochs completed by this job")
    epochs_requested: int | None
    per_epoch: list[EpochMetrics]
    per_epoch_from: int = Field(
        description="index in the job's whole list of per_epoch[0]; 0 unless "
        "the request gave epochs_from"
    )
    error: str | None
    history_id: int | None

    model_config = response_config(
        {
            "examples": [
                {
                    "job_id": "p0Jq3Zl8e2XbA1c9dWm4Tg",
                    "network_id": "Zb3k9xWq1sT0mPq8vY2aRg",
                    "status": "running",
                    "steps_done": 40,
                    "steps_total": 100,
                    "epochs": 1,
                    "epochs_requested": None,
                    "per_epoch": [
                        {
                            "epoch": 1,
                            "train_cost": 0.12,
                            "train_accuracy": 0.75,
                            "test_cost": 0.13,
                            "test_accuracy": 0.7,
                        }
                    ],
                    "per_epoch_from": 0,
                    "error": None,
                    "history_id": None,
                }
            ]
        }
    )
