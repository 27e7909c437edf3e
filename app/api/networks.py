"""Stored networks: create, load, change under the write lock, delete, expire.

Every change runs as load, modify and save inside one BEGIN IMMEDIATE
transaction (``NetworkService.change``), so two requests that change one
network, from any thread or worker process, run one after the other and
neither update is lost. An exception inside the block rolls it back, so a
request that fails changes nothing.
"""

import logging
import math
import secrets
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from app.api.data import DatasetResolver
from app.api.dispatch import work_estimate
from app.api.errors import ApiError, engine_error, not_found
from app.api.limits import check_batch_size, check_sizes
from app.api.schemas.networks import DatasetOptions, NetworkCreate, NetworkDocument
from app.api.store import jobs as job_store
from app.api.store import networks as store
from app.api.store.budget import DatabaseBudget
from app.api.store.db import Database
from app.api.store.tallies import HistoryTallies
from app.api.store.uploads import upload_exists
from app.api.views import network_state, training_cost
from app.datasets import Dataset
from app.engine import Network, NetworkConfig
from app.engine.document import network_to_document
from app.settings import Settings

logger = logging.getLogger(__name__)

# last_used is written at most this often per network, so that reads do
# not each need the write lock.
TOUCH_INTERVAL_SECONDS = 5.0

# Network objects cached in memory between changes (see NetworkService.change).
CACHED_NETWORKS = 32
# Networks whose size NetworkService.work remembers.
REMEMBERED_SHAPES = 10_000


def new_id() -> str:
    """Return an unguessable id of 128 random bits (22 URL-safe characters)."""
    return secrets.token_urlsafe(16)


class Loaded:
    """A stored network, its engine object and its data set.

    A network whose uploaded data set is missing from the database can still
    be read, exported, edited and deleted. Earlier versions let that happen
    through a per-process cache of expired uploads. `dataset` raises 409 in
    every request that needs the data.
    """

    def __init__(
        self,
        row: store.NetworkRow,
        network: Network,
        dataset: Dataset | ApiError,
        conn: sqlite3.Connection,
    ) -> None:
        self.row = row
        self.network = network
        self.conn = conn
        self._dataset = dataset
        # The packed document that `record` last saved, if it ran.
        self.saved_body: bytes | None = None

    @property
    def has_dataset(self) -> bool:
        return isinstance(self._dataset, Dataset)

    @property
    def dataset(self) -> Dataset:
        if isinstance(self._dataset, ApiError):
            raise ApiError(
                409,
                f"the data set {self.row.dataset!r} of network {self.row.id} no "
                f"longer exists ({self._dataset.detail}); the network can still "
                "be read, exported and deleted, or imported with another data set",
                "network_id",
                dataset=self.row.dataset,
            )
        return self._dataset


@dataclass(frozen=True)
class _CachedNetwork:
    """A network object cached in memory, with the bytes it was stored as."""

    network_id: str
    body: bytes
    initial: bytes | None
    network: Network

    def matches(self, row: store.NetworkRow) -> bool:
        """Return whether the row still contains the state that this entry caches."""
        return self.body == row.body and self.initial == row.initial


def _requested_options(options: DatasetOptions | None) -> dict[str, Any]:
    """Return the data set options that a request set, leaving out defaults."""
    return options.model_dump(exclude_unset=True) if options else {}


class NetworkService:
    def __init__(
        self, db: Database, datasets: DatasetResolver, settings: Settings
    ) -> None:
        self.db = db
        self.datasets = datasets
        self.settings = settings
        # Networks that `change(..., cache=True)` saved or a read decoded, by
        # id, least recently cached first. An entry is used only while the
        # row still contains the bytes it was stored as. So a change by
        # another process, or one rolled back here, makes the entry stale,
        # never wrong. Reads get a copy; only a change takes the entry itself.
        self._cache: OrderedDict[str, _CachedNetwork] = OrderedDict()
        self._cache_lock = threading.Lock()
        # Parameter count and batch size of the networks this process loaded
        # last, for `work`. A stale entry can only run a request in a thread
        # instead of on the event loop, or the reverse, never change a result.
        self._shapes: OrderedDict[str, tuple[int, int]] = OrderedDict()
        self._tallies = HistoryTallies()
        self._budget = DatabaseBudget(settings.limits.max_database_bytes, self._tallies)

    # Creation

    def create(self, body: NetworkCreate) -> dict[str, Any]:
        """Build, store and return the state of a new network."""
        options = body.dataset_options.model_dump() if body.dataset_options else None
        requested = _requested_options(body.dataset_options)
        dataset = self.datasets.get(body.dataset, options)
        sizes = body.sizes or [dataset.n_inputs, 4, dataset.n_outputs]
        self.check_shape(sizes, dataset)
        check_batch_size(body.batch_size, self.settings.limits)
        try:
            config = NetworkConfig(
                sizes=tuple(sizes),
                hidden_activation=body.hidden_activation,
                output_activation=body.output_activation,
                cost=body.cost,
                eta=body.learning_rate,
                batch_size=body.batch_size,
                seed=body.seed,
                init=body.init,
                lmbda=body.l2,
                mu=body.momentum,
                leaky_slope=body.leaky_slope,
            )
        except ValueError as exc:
            raise engine_error(exc) from None
        if (body.weights is None) != (body.biases is None):
            field = "biases" if body.biases is None else "weights"
            raise ApiError(422, "give both weights and biases, or neither", field)
        try:
            network = Network(config, body.weights, body.biases)
        except ValueError as exc:
            raise engine_error(exc, "weights") from None
        stored_options = self.datasets.options_for(
            body.dataset, options, dataset, requested
        )
        return self.insert(network, body.dataset, stored_options, dataset, "create")

    def import_document(self, body: NetworkDocument) -> dict[str, Any]:
        """Store a network from an exported document, validated like a new one."""
        options = body.dataset_options.model_dump() if body.dataset_options else None
        requested = _requested_options(body.dataset_options)
        dataset = self.datasets.get(body.dataset, options)
        document = body.model_dump(exclude={"dataset", "dataset_options"})
        sizes = document["config"]["sizes"]
        self.check_shape(sizes, dataset, field="config.sizes")
        check_batch_size(
            document["config"]["batch_size"], self.settings.limits, "config.batch_size"
        )
        position = body.counters.epoch_position
        if position > dataset.n_train:
            raise ApiError(
                422,
                f"counters.epoch_position is {position}, but the data set "
                f"{dataset.name} has {dataset.n_train} training examples",
                "counters.epoch_position",
            )
        try:
            network = Network.from_document(document)
        except ValueError as exc:
            raise engine_error(exc) from None
        stored_options = self.datasets.options_for(
            body.dataset, options, dataset, requested
        )
        return self.insert(network, body.dataset, stored_options, dataset, "import")

    def check_shape(
        self, sizes: list[int], dataset: Dataset, field: str = "sizes"
    ) -> None:
        check_sizes(sizes, self.settings.limits, field)
        if sizes[0] != dataset.n_inputs:
            raise ApiError(
                422,
                f"{field}[0] is {sizes[0]} but the data set {dataset.name} has "
                f"{dataset.n_inputs} inputs",
                f"{field}.0",
            )
        if sizes[-1] != dataset.n_outputs:
            last = len(sizes) - 1
            raise ApiError(
                422,
                f"{field}[{last}] is {sizes[-1]} but the data set {dataset.name} has "
                f"{dataset.n_outputs} outputs",
                f"{field}.{last}",
            )

    def insert(
        self,
        network: Network,
        dataset_name: str,
        dataset_options: dict[str, Any],
        dataset: Dataset,
        kind: str,
    ) -> dict[str, Any]:
        network_id = new_id()
        # The state is computed before the row is written, so that a network
        # whose evaluation fails is not stored. The engine rejects targets
        # that its cost cannot take, such as 2.0 for cross_entropy.
        field = "config.cost" if kind == "import" else "cost"
        try:
            state = network_state(
                network_id,
                network,
                dataset,
                dataset_name=dataset_name,
                dataset_options=dataset_options,
                training_job=None,
                history_length=0,
            )
        except ValueError as exc:
            raise ApiError(
                422,
                f"cost {network.config.cost} does not suit the data set "
                f"{dataset.name}: {exc}",
                field,
            ) from None
        now = time.time()
        with self.db.write() as conn:
            # The data set may come from this process's cache, while another
            # request or process has expired the upload since. Checking here,
            # under the write lock that upload expiry also takes, means that a
            # stored network always has its upload, and the upload is then
            # kept for as long as the network exists.
            if not self.datasets.is_builtin(dataset_name) and not upload_exists(
                conn, dataset_name
            ):
                self.datasets.forget(dataset_name)
                raise ApiError(
                    422,
                    f"data set {dataset_name!r} not found; the upload has expired",
                    "dataset",
                )
            self._make_room(conn)
            store.insert_network(
                conn,
                network_id,
                network_to_document(network, arrays=True),
                dataset_name,
                dataset_options,
                now,
            )
        self._remember_shape(network_id, network)
        logger.info(
            "network %s created (%s) with sizes %s on data set %s",
            network_id,
            kind,
            list(network.config.sizes),
            dataset_name,
        )
        return state

    def _make_room(self, conn: sqlite3.Connection) -> None:
        """Delete the least recently used networks beyond max_networks - 1."""
        limit = self.settings.limits.max_networks
        excess = store.count_networks(conn) - limit + 1
        if excess <= 0:
            return
        expired = store.least_recently_used(conn, excess)
        if len(expired) < excess:
            raise ApiError(
                409,
                f"the store is full (max_networks = {limit}) and every network "
                "in it is training; retry when a training job has ended",
                None,
                limit="max_networks",
                maximum=limit,
            )
        for network_id in expired:
            store.delete_network(conn, network_id)
            logger.info("network %s expired (least recently used)", network_id)

    # Reading

    def work(self, network_id: str, m: int | None = None) -> int | None:
        """Estimate the work of a pass over m examples (a mini-batch if None).

        Returns None for a network that this process has not loaded yet.
        """
        with self._cache_lock:
            shape = self._shapes.get(network_id)
        if shape is None:
            return None
        num_parameters, batch_size = shape
        return work_estimate(num_parameters, batch_size if m is None else m)

    def _remember_shape(self, network_id: str, network: Network) -> None:
        shape = (network.num_parameters, network.config.batch_size)
        with self._cache_lock:
            self._shapes[network_id] = shape
            self._shapes.move_to_end(network_id)
            while len(self._shapes) > REMEMBERED_SHAPES:
                self._shapes.popitem(last=False)

    def load(self, network_id: str) -> Loaded:
        """Load a network outside any transaction, for read-only requests.

        The network object is the caller's own, never the cached one, so the
        caller may change it.
        """
        conn = self.db.connection()
        row = self._row(conn, network_id)
        if time.time() - row.last_used > TOUCH_INTERVAL_SECONDS:
            self._touch(network_id)
        return self._loaded(conn, row)

    def _touch(self, network_id: str) -> None:
        """Mark the network used now, unless that would wait for another writer."""
        now = time.time()
        if not self.db.try_write(lambda conn: store.touch(conn, network_id, now)):
            logger.debug("network %s: last_used not updated, writer busy", network_id)

    def _row(self, conn: sqlite3.Connection, network_id: str) -> store.NetworkRow:
        row = store.get_network(conn, network_id)
        if row is None:
            raise not_found("network", network_id, "network_id")
        return row

    def _loaded(
        self, conn: sqlite3.Connection, row: store.NetworkRow, cached: bool = False
    ) -> Loaded:
        network = self._take_cached(row) if cached else self._cached_copy(row)
        if network is None:
            network = Network.from_document(row.document)
            if not cached:
                entry = _CachedNetwork(row.id, row.body, row.initial, network.copy())
                self._cache_entry(entry)
        self._remember_shape(row.id, network)
        dataset: Dataset | ApiError
        try:
            dataset = self.datasets.get(row.dataset, row.dataset_options)
        except ApiError as exc:
            logger.warning(
                "network %s: data set %s cannot be loaded: %s",
                row.id,
                row.dataset,
                exc.detail,
            )
            dataset = exc
        return Loaded(row=row, network=network, dataset=dataset, conn=conn)

    def state(
        self, loaded: Loaded, history_length: int | None = None
    ) -> dict[str, Any]:
        """Return the state with cost and accuracy on both splits.

        Change handlers call this after their `change` block has committed,
        so that the evaluation does not hold the database's write lock.
        """
        row = loaded.row
        return network_state(
            row.id,
            loaded.network,
            loaded.dataset if loaded.has_dataset else None,
            dataset_name=row.dataset,
            dataset_options=row.dataset_options,
            training_job=self.live_job(row),
            history_length=self.history_length(loaded)
            if history_length is None
            else history_length,
        )

    def live_job(self, row: store.NetworkRow) -> str | None:
        """Return the network's training job id unless that job is stale."""
        if row.training_job is None:
            return None
        conn = self.db.connection()
        job = job_store.get_job(conn, row.training_job)
        if job is not None and not job_store.is_stale_now(job, self.settings):
            return row.training_job
        return None

    # Changing

    def _take_cached(self, row: store.NetworkRow) -> Network | None:
        """Remove and return the cached network of this row if it is still current."""
        with self._cache_lock:
            cached = self._cache.pop(row.id, None)
        if cached is None or not cached.matches(row):
            return None
        return cached.network

    def _cached_copy(self, row: store.NetworkRow) -> Network | None:
        """Return a copy of the cached network of this row if it is still current.

        The copy is made under the lock, so a change cannot take the cached
        object and modify it halfway through. The entry stays cached.
        """
        with self._cache_lock:
            cached = self._cache.get(row.id)
            if cached is None or not cached.matches(row):
                return None
            return cached.network.copy()

    def _cache_network(self, loaded: Loaded) -> None:
        if loaded.saved_body is None:
            return
        row = loaded.row
        self._cache_entry(
            _CachedNetwork(row.id, loaded.saved_body, row.initial, loaded.network)
        )

    def _cache_entry(self, entry: _CachedNetwork) -> None:
        with self._cache_lock:
            self._cache[entry.network_id] = entry
            self._cache.move_to_end(entry.network_id)
            while len(self._cache) > CACHED_NETWORKS:
                self._cache.popitem(last=False)

    @contextmanager
    def change(self, network_id: str, *, cache: bool = False) -> Iterator[Loaded]:
        """Load a network under the write lock; the block saves with `record`.

        Raises 409 while the network is training. A job whose process is gone
        is marked failed first, which releases its network.

        With cache=True, the network object that the block saved is cached in
        this process for the next change of the network, which then skips
        decoding it. The caller must not use loaded.network after the block,
        since the next change may then modify it.
        """
        with self.db.write() as conn:
            row = self._row(conn, network_id)
            if row.training_job is not None:
                job = job_store.get_job(conn, row.training_job)
                if job is not None and not job_store.is_stale_now(job, self.settings):
                    raise ApiError(
                        409,
                        f"network {network_id} is training (job {row.training_job}); "
                        "cancel the job or wait until it ends",
                        None,
                        training_job=row.training_job,
                    )
                job_store.release_stale(conn, row.training_job, network_id)
            loaded = self._loaded(conn, row, cached=cache)
            yield loaded
            if cache:
                # Still inside the write lock, so no other change of this
                # network in this process can take it before the commit. If
                # the commit fails, the row keeps its old bytes, and so the
                # entry is not used.
                self._cache_network(loaded)

    def record(self, loaded: Loaded, kind: str, summary: str) -> int:
        """Save the changed network and add a history entry; return its id.

        The entry's training cost is computed later, when the history is
        read (`history`), so that the change does not hold the write lock
        for a pass over the whole training split.
        """
        now = time.time()
        network = loaded.network
        body = store.pack_body(network_to_document(network, arrays=True))
        loaded.saved_body = body
        limits = self.settings.limits
        entry = {
            "kind": kind,
            "summary": summary,
            "steps": network.steps,
            "epochs": network.epochs,
            "examples_seen": network.examples_seen,
            "created_at": now,
        }
        return store.save_change(
            loaded.conn,
            loaded.row,
            entry,
            body,
            max_entries=limits.max_history,
            max_bytes=limits.max_history_bytes,
            touch_interval=TOUCH_INTERVAL_SECONDS,
            tallies=self._tallies,
            budget=self._budget,
        )

    def history(self, network_id: str) -> list[store.HistoryEntry]:
        """Return the history entries, computing the costs still pending.

        An entry's cost is the mean cost on the training split (without the
        L2 term) of its snapshot, null when the data set is gone or the cost
        is NaN (SQLite stores NaN as NULL). Computed costs are stored, so
        each is computed once.
        """
        loaded = self.load(network_id)
        conn = loaded.conn
        # One read transaction, so the list and the snapshots agree.
        conn.execute("BEGIN")
        try:
            entries = store.list_history(conn, network_id)
            costs: dict[int, float | None] = {}
            for history_id in store.pending_costs(conn, network_id):
                document = store.history_document(
                    conn, network_id, history_id, loaded.row.initial_parameters
                )
                assert document is not None
                costs[history_id] = self._snapshot_cost(document, loaded)
        finally:
            conn.execute("COMMIT")
        if not costs:
            return entries
        with self.db.write() as conn:
            for history_id, cost in costs.items():
                store.set_cost(conn, history_id, cost)
        return [
            replace(entry, cost=costs[entry.id]) if entry.id in costs else entry
            for entry in entries
        ]

    def _snapshot_cost(self, document: dict[str, Any], loaded: Loaded) -> float | None:
        if not loaded.has_dataset:
            return None
        cost = training_cost(Network.from_document(document), loaded.dataset)
        return None if math.isnan(cost) else cost

    def history_length(self, loaded: Loaded) -> int:
        return store.count_history(loaded.conn, loaded.row.id)

    def delete(self, network_id: str) -> None:
        with self.change(network_id) as loaded:
            store.delete_network(loaded.conn, network_id)
        logger.info("network %s deleted", network_id)

    def export(self, loaded: Loaded) -> dict[str, Any]:
        document = loaded.network.to_document()
        document["dataset"] = loaded.row.dataset
        document["dataset_options"] = loaded.row.dataset_options
        return document
