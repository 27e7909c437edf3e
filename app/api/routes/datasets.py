"""Built-in data sets, their examples, and uploads of CSV files."""

import logging
import re
import time
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi import Path as PathParam

from app.api.data import CSV_LIMIT_SETTINGS, DatasetResolver, csv_limits
from app.api.deps import ServicesDep
from app.api.errors import ApiError, limit_exceeded
from app.api.networks import new_id
from app.api.responses import ApiJSONResponse
from app.api.schemas.common import Split, error_responses
from app.api.schemas.datasets import (
    DatasetDescription,
    DatasetList,
    ExamplePage,
    UploadedDataset,
)
from app.api.store import uploads
from app.datasets import CsvError, Dataset, list_builtin, parse_csv
from app.engine.config import MAX_SEED

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/datasets", tags=["data sets"])

DatasetName = Annotated[
    str,
    PathParam(
        min_length=1,
        max_length=64,
        description="A built-in name or an uploaded data set's id",
        examples=["xor"],
    ),
]
Seed = Annotated[int, Query(ge=0, le=MAX_SEED)]
Samples = Annotated[int | None, Query(ge=4, le=10_000)]
Noise = Annotated[float | None, Query(ge=0, le=5)]
TestFraction = Annotated[float | None, Query(ge=0, le=0.9)]
UPLOAD_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def _options(
    seed: int, samples: int | None, noise: float | None, test_fraction: float | None
) -> dict[str, Any]:
    return {
        "seed": seed,
        "samples": samples,
        "noise": noise,
        "test_fraction": test_fraction,
    }


def _describe(resolver: DatasetResolver, name: str, dataset: Dataset) -> dict[str, Any]:
    description = dataset.describe()
    if not resolver.is_builtin(name):
        description["id"] = name
    return description


@router.get("", response_model=DatasetList, responses=error_responses())
def list_datasets() -> ApiJSONResponse:
    """List the built-in data sets with their default options.

    Uploaded data sets are not listed, so an upload's id stays known only
    to the client that uploaded it.
    """
    return ApiJSONResponse({"datasets": list_builtin()})


@router.get(
    "/{name}", response_model=DatasetDescription, responses=error_responses(404)
)
def get_dataset(
    name: DatasetName,
    services: ServicesDep,
    seed: Seed = 0,
    samples: Samples = None,
    noise: Noise = None,
    test_fraction: TestFraction = None,
) -> ApiJSONResponse:
    """Describe a data set: task, sizes, class names and example counts.

    The options apply to built-in data sets; an upload keeps its own.
    """
    resolver = services.datasets
    options = _options(seed, samples, noise, test_fraction)
    dataset = resolver.get(name, options, "name", None, missing_status=404)
    return ApiJSONResponse(_describe(resolver, name, dataset))


@router.get(
    "/{name}/examples", response_model=ExamplePage, responses=error_responses(404)
)
def list_examples(
    name: DatasetName,
    services: ServicesDep,
    split: Split = "train",
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
    limit: Annotated[int, Query(ge=1)] = 100,
    seed: Seed = 0,
    samples: Samples = None,
    noise: Noise = None,
    test_fraction: TestFraction = None,
) -> ApiJSONResponse:
    """Return one page of a split's examples: input, target and class label."""
    page_limit = services.settings.limits.max_examples_page
    if limit > page_limit:
        raise limit_exceeded("max_examples_page", page_limit, limit, "limit", "limit")
    options = _options(seed, samples, noise, test_fraction)
    dataset = services.datasets.get(name, options, "name", None, missing_status=404)
    x, y = dataset.arrays(split)
    labels = dataset.labels(split) if dataset.task == "classification" else None
    stop = min(offset + limit, x.shape[0])
    examples = [
        {
            "index": i,
            "input": x[i],
            "target": y[i],
            "label": None if labels is None else int(labels[i]),
        }
        for i in range(offset, stop)
    ]
    return ApiJSONResponse(
        {
            "total": int(x.shape[0]),
            "offset": offset,
            "split": split,
            "examples": examples,
        }
    )


def _upload_name(filename: str | None) -> str:
    stem = (filename or "upload").rsplit("/", 1)[-1].removesuffix(".csv")
    cleaned = UPLOAD_NAME.sub("", stem).strip()[:64]
    return cleaned or "upload"


@router.post(
    "",
    status_code=201,
    response_model=UploadedDataset,
    responses=error_responses(409),
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "example": {
                        "file": "a,b,label\n0.5,1.2,yes\n0.1,0.7,no\n...",
                        "target": "label",
                        "test_fraction": 0.2,
                        "seed": 0,
                    }
                }
            }
        }
    },
)
def upload_dataset(
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="a UTF-8 CSV file with a header")],
    target: Annotated[
        str, Form(min_length=1, max_length=200, description="the target column")
    ],
    test_fraction: Annotated[float, Form(ge=0, le=0.9)] = 0.2,
    seed: Annotated[int, Form(ge=0, le=MAX_SEED)] = 0,
) -> ApiJSONResponse:
    """Upload a CSV file as a data set; the response's id names it.

    Inputs are scaled to [0, 1] per column. The target column is a class
    label when it contains text or few whole numbers, else a regression target.
    """
    settings = services.settings
    max_bytes = settings.limits.max_upload_bytes
    data = file.file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise limit_exceeded(
            "max_upload_bytes",
            max_bytes,
            len(data),
            "the file's size in bytes (at least)",
            "file",
            status_code=413,
        )
    name = _upload_name(file.filename)
    options: dict[str, Any] = {"test_fraction": test_fraction, "seed": seed}
    try:
        dataset = parse_csv(
            data,
            target,
            name=name,
            test_fraction=test_fraction,
            seed=seed,
            **csv_limits(settings),
        )
    except CsvError as exc:
        field = "target" if exc.column == target and exc.row is None else "file"
        extra: dict[str, Any] = {}
        if exc.limit is not None:
            argument, value = exc.limit
            setting = CSV_LIMIT_SETTINGS[argument]
            extra = {"limit": setting, "maximum": value}
            message = f"{exc} ({setting})"
        else:
            message = str(exc)
        raise ApiError(
            422, message, field, row=exc.row, column=exc.column, **extra
        ) from None
    upload_id = new_id()
    with services.db.write() as conn:
        _make_room(conn, settings.limits.max_datasets)
        uploads.insert_upload(
            conn,
            upload_id,
            name=name,
            target=target,
            options=options,
            data=data,
            now=time.time(),
        )
    logger.info(
        "data set %s uploaded: %d bytes, %d examples, target %r",
        upload_id,
        len(data),
        dataset.n_train + dataset.n_test,
        target,
    )
    return ApiJSONResponse({"id": upload_id, **dataset.describe()}, status_code=201)


def _make_room(conn: Any, max_datasets: int) -> None:
    """Delete the least recently used unused uploads beyond max_datasets - 1."""
    excess = uploads.count_uploads(conn) - max_datasets + 1
    if excess <= 0:
        return
    expired = uploads.unused_uploads(conn, excess)
    if len(expired) < excess:
        raise ApiError(
            409,
            f"the store holds max_datasets = {max_datasets} uploaded data sets and "
            "networks use every one of them; delete some networks first",
            "file",
            limit="max_datasets",
            maximum=max_datasets,
        )
    for upload_id in expired:
        uploads.delete_upload(conn, upload_id)
        logger.info("data set %s expired (least recently used)", upload_id)
