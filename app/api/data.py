"""Data sets by name for the API: built-in names or uploaded CSV ids.

Generating a built-in data set or parsing an upload takes milliseconds to
seconds, and every step needs the training split, so each process keeps the
most recently used data sets in an LRU cache keyed by name and options.
Data sets are deterministic for given options, so a cached data set is
never out of date, but a cached upload may have expired (been deleted) in the
database meanwhile. `get` therefore checks that an upload still exists before
it returns a cached copy, and NetworkService.insert checks again in the
transaction that stores the network. Uploads that a
stored network uses never expire (see uploads.unused_uploads), so a stored
network keeps its data set for as long as it exists.
"""

import logging
import threading
import time
from collections import OrderedDict
from typing import Any

from app.api.errors import ApiError, quote
from app.api.loop_guard import WouldBlockError, must_not_wait
from app.api.store.db import Database
from app.api.store.uploads import get_upload, touch_upload, upload_exists
from app.datasets import BUILTIN_NAMES, CsvError, Dataset, load_builtin, parse_csv
from app.settings import Settings

logger = logging.getLogger(__name__)

OPTION_NAMES = ("seed", "samples", "noise", "test_fraction")


def default_options() -> dict[str, Any]:
    return {"seed": 0, "samples": None, "noise": None, "test_fraction": None}


# The setting behind each limit argument of parse_csv.
CSV_LIMIT_SETTINGS = {
    "max_bytes": "max_upload_bytes",
    "max_rows": "max_upload_rows",
    "max_columns": "max_upload_columns",
}


def csv_limits(settings: Settings) -> dict[str, int]:
    """Return the limit arguments of parse_csv from the server's settings."""
    return {
        argument: getattr(settings.limits, setting)
        for argument, setting in CSV_LIMIT_SETTINGS.items()
    }


class DatasetResolver:
    """Load built-in and uploaded data sets, with a per-process LRU cache."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._cache: OrderedDict[tuple[Any, ...], Dataset] = OrderedDict()
        self._lock = threading.Lock()

    def forget(self, name: str) -> None:
        """Drop an upload from this process's cache (after it has expired)."""
        with self._lock:
            self._cache.pop(("upload", name), None)

    def is_builtin(self, name: str) -> bool:
        return name in BUILTIN_NAMES

    def options_for(
        self,
        name: str,
        options: dict[str, Any] | None,
        dataset: Dataset,
        requested: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Return the stored options: the request's for built-ins, the upload's else.

        requested contains the options that the request set. For an upload, each
        must equal the upload's own, as GET /api/datasets/{id} lists them,
        because the split was made at upload.
        """
        if self.is_builtin(name):
            return {**default_options(), **(options or {})}
        conn = self.db.connection()
        upload = get_upload(conn, name)
        if upload is None:
            return {**default_options(), **(options or {})}
        for option, value in (requested or {}).items():
            own = dataset.options.get(option)
            if value is not None and value != own:
                raise ApiError(
                    422,
                    f"dataset_options.{option} is {quote(value)}, but the "
                    f"uploaded data set {name} was split at upload with "
                    f"{option} = {quote(own)}; leave dataset_options out for "
                    "an upload",
                    f"dataset_options.{option}",
                )
        return {**default_options(), **upload.options}

    def get(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        field: str = "dataset",
        options_field: str | None = "dataset_options",
        missing_status: int = 422,
    ) -> Dataset:
        """Return the data set, raising ApiError naming the field at fault.

        field is where the name came from and options_field where the
        options came from (None for query parameters of their own names).
        An unknown name gives missing_status: 404 where the name is in the
        path, 422 where it is a field of the body.
        """
        options = {**default_options(), **(options or {})}
        if self.is_builtin(name):
            key: tuple[Any, ...] = (
                "builtin",
                name,
                *(options[n] for n in OPTION_NAMES),
            )
        else:
            key = ("upload", name)
            # Another request or process may have expired the upload since it
            # was cached; a primary-key lookup is cheap next to parsing.
            if not upload_exists(self.db.connection(), name):
                self.forget(name)
                raise self._missing(name, field, missing_status)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        if must_not_wait.get():
            # Parsing an uploaded data set took about 0.3 s for 4 MB of CSV.
            raise WouldBlockError(f"data set {name} is not in the cache")
        dataset = self._load(name, options, field, options_field, missing_status)
        with self._lock:
            self._cache[key] = dataset
            while len(self._cache) > self.settings.dataset_cache_size:
                self._cache.popitem(last=False)
        return dataset

    @staticmethod
    def _missing(name: str, field: str, missing_status: int) -> ApiError:
        return ApiError(
            missing_status,
            f"data set {quote(name)} not found; it is neither a built-in data "
            f"set ({', '.join(BUILTIN_NAMES)}) nor the id of a stored upload "
            "(uploads that no network uses expire)",
            field,
        )

    def _load(
        self,
        name: str,
        options: dict[str, Any],
        field: str,
        options_field: str | None,
        missing_status: int,
    ) -> Dataset:
        if self.is_builtin(name):
            try:
                return load_builtin(name, **options)
            except ValueError as exc:
                option = str(exc).split(" ", 1)[0]
                if option not in OPTION_NAMES:
                    option_path = options_field
                elif options_field is None:
                    option_path = option
                else:
                    option_path = f"{options_field}.{option}"
                raise ApiError(422, str(exc), option_path) from None
        conn = self.db.connection()
        upload = get_upload(conn, name)
        if upload is None:
            raise self._missing(name, field, missing_status)
        now = time.time()
        if conn.in_transaction:
            touch_upload(conn, name, now)
        else:
            # A read must not wait for another writer only to set last_used.
            self.db.try_write(lambda write_conn: touch_upload(write_conn, name, now))
        try:
            return parse_csv(
                upload.data,
                upload.target,
                name=upload.name,
                **csv_limits(self.settings),
                **upload.options,
            )
        except CsvError as exc:
            # The file parsed when it was uploaded, so this means the parser
            # or a limit changed since; the upload can no longer be used.
            logger.error("stored upload %s no longer parses: %s", name, exc)
            raise ApiError(
                422, f"uploaded data set {name!r} can no longer be read: {exc}", field
            ) from None
