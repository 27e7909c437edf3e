"""Settings of the web app, read from environment variables.

The database lives in BACKPROP_VIZ_DATA_DIR (default ~/.local/share/backprop-viz)
as backprop-viz.sqlite3, unless BACKPROP_VIZ_DB names another file. Every limit
below can be overridden by the variable BACKPROP_VIZ_ plus the field name in
upper case, for example BACKPROP_VIZ_MAX_LAYERS=4.
"""

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "BACKPROP_VIZ_"
DATA_DIR_ENV = "BACKPROP_VIZ_DATA_DIR"
DB_PATH_ENV = "BACKPROP_VIZ_DB"
DEFAULT_DATA_DIR = "~/.local/share/backprop-viz"
DB_FILE_NAME = "backprop-viz.sqlite3"


@dataclass(frozen=True)
class Limits:
    """Upper bounds on what one request or the whole store may use.

    Each field is overridable by BACKPROP_VIZ_<FIELD NAME IN UPPER CASE>.
    Layers count weight layers (L), so max_layers = 8 allows 9 sizes.
    """

    max_layers: int = 8
    max_neurons: int = 1024
    max_parameters: int = 200_000
    max_batch_size: int = 1000
    max_train_steps: int = 100_000
    max_networks: int = 1000
    max_body_bytes: int = 8 * 1024 * 1024
    max_upload_bytes: int = 5 * 1024 * 1024
    max_upload_rows: int = 10_000
    max_upload_columns: int = 1025
    max_history: int = 500
    # 100 MiB keeps all 500 snapshots of a 784-30-10 network (191 kB each).
    max_history_bytes: int = 100 * 1024 * 1024
    max_database_bytes: int = 2 * 1024 * 1024 * 1024
    max_gradient_check_parameters: int = 5000
    max_running_jobs: int = 4
    max_datasets: int = 200
    max_grid_resolution: int = 200
    max_examples_page: int = 1000

    def describe(self) -> dict[str, int]:
        return dataclasses.asdict(self)

    @property
    def max_import_bytes(self) -> int:
        """Bytes of a POST /api/networks/import body, whichever is larger of
        max_body_bytes and the compact JSON export of the largest network.

        Such a document holds up to 3 x max_parameters floats (parameters,
        momentum velocities, explicit initial parameters). Each takes at
        most 24 characters (repr of a float64, such as
        -2.2250738585072014e-308) plus a comma and, at worst, two brackets,
        and 64 KiB covers the configuration and keys. A pretty-printed
        document of that network can still exceed it.
        """
        largest_document = 3 * self.max_parameters * 27 + 64 * 1024
        return max(self.max_body_bytes, largest_document)


# Description of each limit, for the OpenAPI description and the startup log.
LIMIT_TEXT: dict[str, str] = {
    "max_layers": "weight layers L per network (sizes lists L + 1 layers)",
    "max_neurons": "neurons in any one layer, the input layer included",
    "max_parameters": "weights plus biases of one network",
    "max_batch_size": "examples in one mini-batch (batch_size, step indices)",
    "max_train_steps": "SGD steps of one training job",
    "max_networks": "stored networks; the least recently used expire first "
    "(last use is recorded to within 5 s)",
    "max_body_bytes": "bytes of one request body",
    "max_upload_bytes": "bytes of one uploaded CSV file",
    "max_upload_rows": "data rows of one uploaded CSV file",
    "max_upload_columns": "columns of one uploaded CSV file, the target included",
    "max_history": "history entries per network; past it the oldest tenth is dropped",
    "max_history_bytes": "bytes of parameter snapshots in one network's history",
    "max_database_bytes": "bytes in use in the database; past it the histories of "
    "the least recently used networks are cut to their newest entry (checked "
    "after each 1/64 of it written). Only history is cut: networks and uploads "
    "are held by max_networks and max_datasets, and the write-ahead log comes "
    "on top",
    "max_gradient_check_parameters": "parameters of a network for gradient-check",
    "max_running_jobs": "training jobs running at once on the whole server",
    "max_datasets": "stored uploaded data sets; unused ones expire first",
    "max_grid_resolution": "points per axis of predict-grid and predict-curve",
    "max_examples_page": "examples per page of a data set's examples",
}


def _parse_limit(name: str, text: str) -> int:
    try:
        value = int(text.strip().replace("_", ""))
    except ValueError:
        raise ValueError(
            f"environment variable {name} must be a whole number, got {text!r}"
        ) from None
    if value < 1:
        raise ValueError(f"environment variable {name} must be >= 1, got {value}")
    return value


def limits_from_env(environ: Mapping[str, str]) -> Limits:
    """Read every BACKPROP_VIZ_MAX_... variable; ValueError on a bad value."""
    changes: dict[str, Any] = {}
    for limit in dataclasses.fields(Limits):
        name = ENV_PREFIX + limit.name.upper()
        text = environ.get(name)
        if text:
            changes[limit.name] = _parse_limit(name, text)
    return Limits(**changes)


@dataclass(frozen=True)
class Settings:
    """Database path, limits and job timings; see Settings.from_env."""

    db_path: Path
    limits: Limits = field(default_factory=Limits)
    # A running job that has not written progress for this many seconds is
    # taken to belong to a dead process, so its network is released.
    job_stale_seconds: float = 60.0
    # How often a running job writes its progress to the database.
    job_progress_seconds: float = 0.25
    # How often a running job saves the network's parameters, so that a
    # server that is killed loses at most this much training.
    job_checkpoint_seconds: float = 5.0
    # Parsed data sets kept in memory per process.
    dataset_cache_size: int = 16

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Build settings from environment variables (default: os.environ)."""
        env = os.environ if environ is None else environ
        db = env.get(DB_PATH_ENV)
        if db:
            db_path = Path(db).expanduser()
        else:
            data_dir = Path(env.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).expanduser()
            db_path = data_dir / DB_FILE_NAME
        return cls(db_path=db_path, limits=limits_from_env(env))
