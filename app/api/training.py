"""Training jobs: many SGD steps in a background thread of the server process.

A job's row in SQLite contains its status and progress, so any worker process
can poll or cancel it. The thread writes progress (and reads the cancel flag)
every Settings.job_progress_seconds, and evaluates cost and accuracy on both
splits after every epoch. The network row points at the job while it runs,
and every change request gets 409 meanwhile. The trained parameters are
saved when the job ends: done, cancelled (the steps taken so far are
kept), or failed on divergence. A step that makes a parameter NaN or
infinite stops the job, which keeps the parameters from before that step.
An epoch whose mean training cost is not finite stops the job too, which
then keeps the parameters of the last epoch whose cost was finite. A job
whose last parameters give a cost that is not finite does the same. All end
with status "failed" and an error that starts with "training diverged" or
"step N diverged". While a job runs, its parameters are also saved every
Settings.job_checkpoint_seconds without a history entry. So a server that is
killed loses at most that much training, and the job then reads failed.
"""

import asyncio
import logging
import math
import secrets
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool

from app.api.errors import ApiError, limit_exceeded
from app.api.limits import check_counter_room
from app.api.networks import Loaded, NetworkService, new_id
from app.api.responses import dumps, make_jsonable
from app.api.store import jobs as job_store
from app.api.store import networks as network_store
from app.api.store.db import Database
from app.api.views import evaluation, training_cost
from app.datasets import Dataset
from app.engine import DivergenceError, Network
from app.engine.document import network_to_document
from app.settings import Settings

logger = logging.getLogger(__name__)

# Seconds that stopping the server waits for each running job to save.
SHUTDOWN_WAIT_SECONDS = 10.0
# Seconds that a cancel request waits for a job of this process to end.
CANCEL_WAIT_SECONDS = 5.0
# How often a cancel reads the row of a job that another process runs.
CANCEL_POLL_SECONDS = 0.02
# Seconds between two reads of a job's row by the event stream.
EVENT_INTERVAL_SECONDS = 0.25


def steps_for_epochs(network: Network, n_train: int, epochs: int) -> int:
    """Return the number of steps that completes `epochs` more epochs."""
    batch_size = network.config.batch_size
    position = network.epoch_position if network.epoch_position < n_train else 0
    first = math.ceil((n_train - position) / batch_size)
    return first + (epochs - 1) * math.ceil(n_train / batch_size)


def epoch_metrics(network: Network, dataset: Dataset) -> dict[str, Any]:
    result = evaluation(network, dataset)
    accuracy = result["accuracy"] or {"train": None, "test": None}
    return make_jsonable(
        {
            "epoch": network.epochs,
            "train_cost": result["cost"]["train"],
            "train_accuracy": accuracy["train"],
            "test_cost": result["cost"]["test"],
            "test_accuracy": accuracy["test"],
        }
    )


def _kept_text(progress: "_Progress") -> str:
    """Return which parameters a job that fell back to last_finite kept."""
    steps = progress.last_finite.steps
    if steps == progress.start_steps:
        return f"the network kept its parameters from before the job (step {steps})"
    return (
        "the network kept its parameters from the last epoch with a finite "
        f"cost (step {steps})"
    )


# Advice of a job whose training cost was not finite when it started, so
# that no learning rate could have kept it finite.
START_NOT_FINITE = (
    "the job started from a state whose mean training cost was not finite, "
    "so a smaller learning rate will not help: the values of the data set or "
    "the parameters are too large for float64"
)


def _started_finite(progress: "_Progress", dataset: Dataset) -> bool:
    """Return False if the job began in a state whose training cost is not finite."""
    start = progress.last_finite
    if start.steps != progress.start_steps:
        return True
    return math.isfinite(training_cost(start, dataset))


def _advice(progress: "_Progress", dataset: Dataset) -> str:
    if _started_finite(progress, dataset):
        return "try a smaller learning rate"
    return START_NOT_FINITE


def _diverged_text(progress: "_Progress", dataset: Dataset) -> str:
    metrics = progress.per_epoch[-1]
    return (
        f"training diverged: the mean training cost after epoch "
        f"{progress.diverged_epoch} is {metrics['train_cost']}, so the job "
        f"stopped and {_kept_text(progress)}; {_advice(progress, dataset)}"
    )


def _cost_diverged_text(progress: "_Progress", dataset: Dataset) -> str:
    return (
        "training diverged: the mean training cost after the last step is not "
        f"finite, so the job stopped and {_kept_text(progress)}; "
        f"{_advice(progress, dataset)}"
    )


def job_view(job: job_store.JobRow, epochs_from: int = 0) -> dict[str, Any]:
    """Return the job as the API shows it, with per_epoch from epochs_from on.

    per_epoch_from is the index in the job's whole list of the first entry of
    per_epoch, so that a client can append what it has not seen yet.
    """
    return {
        "job_id": job.id,
        "network_id": job.network_id,
        "status": job.status,
        "steps_done": job.steps_done,
        "steps_total": job.steps_total,
        "epochs": job.epochs_done,
        "epochs_requested": job.epochs_requested,
        "per_epoch": job.per_epoch[epochs_from:],
        "per_epoch_from": epochs_from,
        "error": job.error,
        "history_id": job.history_id,
    }


class _Progress:
    """The progress of a running job, kept by its thread."""

    def __init__(self, network: Network) -> None:
        self.steps_done = 0
        self.epochs_done = 0
        self.last_epoch = network.epochs
        self.start_steps = network.steps
        self.per_epoch: list[dict[str, Any]] = []
        self.written_at = time.monotonic()
        self.saved_at = time.monotonic()
        # A copy of the network after the last epoch whose training cost was
        # finite (at first, the network as the job found it).
        self.last_finite = network.copy()
        # The epoch counter after the first epoch whose cost was not finite.
        self.diverged_epoch: int | None = None


class TrainingRunner:
    """Start, track, cancel and stream the training jobs of one app instance."""

    def __init__(
        self, db: Database, networks: NetworkService, settings: Settings
    ) -> None:
        self.db = db
        self.networks = networks
        self.settings = settings
        self.owner = secrets.token_hex(8)
        self._threads: dict[str, threading.Thread] = {}
        self._stops: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        # Registered here, not only in start_up, so that an app used without
        # its lifespan (some test clients) does not take its own jobs for
        # stale ones.
        job_store.LIVE_OWNERS.add(self.owner)

    # Life cycle

    def start_up(self) -> None:
        """Register this instance and release jobs of processes that are gone."""
        job_store.LIVE_OWNERS.add(self.owner)
        with self.db.write() as conn:
            for job in job_store.running_jobs(conn):
                if job_store.is_stale_now(job, self.settings):
                    job_store.release_stale(conn, job.id, job.network_id)

    def shut_down(self) -> None:
        """Stop every running job of this instance; each saves its progress."""
        with self._lock:
            stops = list(self._stops.values())
            threads = list(self._threads.values())
        for stop in stops:
            stop.set()
        deadline = time.monotonic() + SHUTDOWN_WAIT_SECONDS
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                logger.error("training thread %s did not stop in time", thread.name)
        job_store.LIVE_OWNERS.discard(self.owner)

    # Requests

    def start(
        self, network_id: str, steps: int | None, epochs: int | None
    ) -> dict[str, Any]:
        """Create a job for the network and start its thread; return the job."""
        if (steps is None) == (epochs is None):
            raise ApiError(422, "give exactly one of steps or epochs", "steps")
        limits = self.settings.limits
        with self.networks.change(network_id) as loaded:
            conn = loaded.conn
            self._check_capacity(conn)
            n_train = loaded.dataset.n_train
            if epochs is not None:
                steps_total = steps_for_epochs(loaded.network, n_train, epochs)
                field = "epochs"
            else:
                assert steps is not None
                steps_total, field = steps, "steps"
            # The request's own limit comes first: a count past it is the
            # request's fault, not that of the network's counters.
            if steps_total > limits.max_train_steps:
                raise limit_exceeded(
                    "max_train_steps",
                    limits.max_train_steps,
                    steps_total,
                    "the number of SGD steps",
                    field,
                )
            check_counter_room(loaded.network, steps_total, steps_total * n_train)
            job_id = new_id()
            job_store.insert_job(
                conn,
                job_id=job_id,
                network_id=network_id,
                steps_total=steps_total,
                epochs_requested=epochs,
                host=job_store.HOST,
                owner=self.owner,
                now=time.time(),
            )
            network_store.set_training_job(conn, network_id, job_id)
            job = job_store.get_job(conn, job_id)
        assert job is not None
        self._launch(job, loaded)
        return job_view(job)

    def _check_capacity(self, conn: sqlite3.Connection) -> None:
        running = 0
        for job in job_store.running_jobs(conn):
            if job_store.is_stale_now(job, self.settings):
                job_store.release_stale(conn, job.id, job.network_id)
            else:
                running += 1
        maximum = self.settings.limits.max_running_jobs
        if running >= maximum:
            raise ApiError(
                429,
                f"{running} training jobs are running, the limit max_running_jobs "
                f"is {maximum}; retry when one has ended",
                None,
                headers={"Retry-After": "5"},
                limit="max_running_jobs",
                maximum=maximum,
            )

    def get(self, network_id: str, job_id: str, epochs_from: int = 0) -> dict[str, Any]:
        return job_view(self._job(network_id, job_id), epochs_from)

    def _job(self, network_id: str, job_id: str) -> job_store.JobRow:
        conn = self.db.connection()
        job = job_store.get_job(conn, job_id)
        if job is None or job.network_id != network_id:
            raise ApiError(
                404,
                f"training job {job_id!r} of network {network_id!r} not found",
                "job_id",
            )
        if job.status == job_store.RUNNING and job_store.is_stale_now(
            job, self.settings
        ):
            with self.db.write() as write_conn:
                job_store.release_stale(write_conn, job.id, job.network_id)
            job = job_store.get_job(conn, job_id)
            assert job is not None
        return job

    def cancel(self, network_id: str, job_id: str) -> dict[str, Any]:
        """Ask the job to stop and wait up to CANCEL_WAIT_SECONDS for it to end."""
        job = self._job(network_id, job_id)
        if job.status != job_store.RUNNING:
            return job_view(job)
        with self.db.write() as conn:
            job_store.request_cancel(conn, job_id)
        logger.info("job %s of network %s: cancel requested", job_id, network_id)
        with self._lock:
            stop = self._stops.get(job_id)
            thread = self._threads.get(job_id)
        if stop is not None and thread is not None:
            stop.set()
            thread.join(CANCEL_WAIT_SECONDS)
            return job_view(self._job(network_id, job_id))
        # Another worker process runs the job. It reads the request at its
        # next progress write, and its row shows when the job has stopped.
        deadline = time.monotonic() + CANCEL_WAIT_SECONDS
        job = self._job(network_id, job_id)
        while job.status == job_store.RUNNING and time.monotonic() < deadline:
            time.sleep(CANCEL_POLL_SECONDS)
            job = self._job(network_id, job_id)
        if job.status == job_store.RUNNING:
            logger.warning(
                "job %s of network %s still running %.0f s after cancel",
                job_id,
                network_id,
                CANCEL_WAIT_SECONDS,
            )
        return job_view(job)

    async def events(
        self, network_id: str, job_id: str, epochs_from: int | None = None
    ) -> AsyncIterator[bytes]:
        """Yield the job as server-sent events until it has ended.

        Each change of the job is one "progress" event whose data is the job
        as JSON; the last event is "end" with the final job. The job's row is
        read in a worker thread, and the wait between reads occupies no thread,
        so open streams do not use up the thread pool of the sync routes.

        With epochs_from, each event's per_epoch starts at that index and
        then holds only the epochs that no earlier event sent. Without it,
        every event has the whole list, which grows with the job.
        """
        last: dict[str, Any] | None = None
        sent = epochs_from
        while True:
            try:
                job = await run_in_threadpool(self._job, network_id, job_id)
            except ApiError as exc:
                body = {"detail": str(exc.detail), "field": "job_id"}
                yield b"event: end\ndata: " + dumps(body) + b"\n\n"
                return
            payload = dumps(job_view(job, sent or 0))
            if job.status != job_store.RUNNING:
                yield b"event: end\ndata: " + payload + b"\n\n"
                return
            # The job without its epoch list: per_epoch only grows, so its
            # length shows a change, and an incremental stream sends no empty
            # event after each one with new epochs.
            state = job_view(job, len(job.per_epoch))
            if state != last:
                yield b"event: progress\ndata: " + payload + b"\n\n"
                last = state
                if sent is not None:
                    sent = max(sent, len(job.per_epoch))
            await asyncio.sleep(EVENT_INTERVAL_SECONDS)

    # The job's thread

    def _launch(self, job: job_store.JobRow, loaded: Loaded) -> None:
        stop = threading.Event()
        thread = threading.Thread(
            target=self._run,
            args=(job, loaded.network, loaded.dataset, stop),
            name=f"train-{job.id}",
            daemon=True,
        )
        with self._lock:
            self._stops[job.id] = stop
            self._threads[job.id] = thread
        logger.info(
            "job %s of network %s started: %d steps",
            job.id,
            job.network_id,
            job.steps_total,
        )
        thread.start()

    def _run(
        self,
        job: job_store.JobRow,
        network: Network,
        dataset: Dataset,
        stop: threading.Event,
    ) -> None:
        progress = _Progress(network)

        def on_step(net: Network) -> None:
            progress.steps_done += 1
            if net.epochs != progress.last_epoch:
                progress.last_epoch = net.epochs
                progress.epochs_done += 1
                metrics = epoch_metrics(net, dataset)
                progress.per_epoch.append(metrics)
                if isinstance(metrics["train_cost"], float):
                    progress.last_finite = net.copy()
                else:
                    progress.diverged_epoch = net.epochs
                    stop.set()
                    return
            now = time.monotonic()
            if now - progress.saved_at >= self.settings.job_checkpoint_seconds:
                progress.saved_at = now
                self._save_checkpoint(job, net)
            due = now - progress.written_at >= self.settings.job_progress_seconds
            if due and self._write_progress(job, progress):
                stop.set()

        status, error = job_store.DONE, None
        try:
            network.train_steps(
                dataset.x_train,
                dataset.y_train,
                job.steps_total,
                should_stop=stop.is_set,
                on_step=on_step,
            )
            if progress.diverged_epoch is not None:
                status = job_store.FAILED
                error = _diverged_text(progress, dataset)
                network = progress.last_finite
            elif progress.steps_done < job.steps_total:
                status = job_store.CANCELLED
            fallback = self._finite_or_last(network, dataset, progress)
            if fallback is not network:
                status = job_store.FAILED
                error = _cost_diverged_text(progress, dataset)
                network = fallback
        except DivergenceError as exc:
            status = job_store.FAILED
            error = exc.description
            fallback = self._finite_or_last(network, dataset, progress)
            if fallback is not network:
                error += (
                    "; the mean training cost before that step was not finite "
                    f"either, so {_kept_text(progress)}"
                )
                network = fallback
            # The parameters of a step after the first come from the job's
            # own steps, so the learning rate is to blame unless the start
            # was. The first step has the parameters the job found.
            if progress.steps_done == 0 and not exc.after_update:
                error += f"; {exc.advice}"
            else:
                error += f"; {_advice(progress, dataset)}"
        except Exception:
            logger.exception("job %s of network %s failed", job.id, job.network_id)
            status = job_store.FAILED
            error = f"internal error in training job {job.id}; see the server log"
        try:
            self._finish(job, network, dataset, progress, status, error)
        except Exception:
            logger.exception(
                "job %s of network %s: saving the result failed", job.id, job.network_id
            )
        finally:
            with self._lock:
                self._stops.pop(job.id, None)
                self._threads.pop(job.id, None)
            self.db.close_thread_connection()

    @staticmethod
    def _finite_or_last(
        network: Network, dataset: Dataset, progress: _Progress
    ) -> Network:
        """Return network if its mean training cost is finite, else last_finite.

        train_steps checks every z, a, delta and parameter, but not the cost,
        which can overflow while they stay finite (a^L - y near 1e160 with
        the quadratic cost). Network.step rejects such a step, so a job must
        not keep its result either.
        """
        # last_finite is a copy taken after an epoch whose cost was finite.
        # When no step followed it, its cost is the network's, known already.
        if network.steps == progress.last_finite.steps:
            return network
        if math.isfinite(training_cost(network, dataset)):
            return network
        return progress.last_finite

    def _save_checkpoint(self, job: job_store.JobRow, network: Network) -> None:
        """Save the parameters so far, so a crash loses at most a few seconds.

        The network row points at this job, so no request changes the row
        meanwhile. No history entry is added; the job's final save adds one.
        """
        try:
            with self.db.write() as conn:
                current = job_store.get_job(conn, job.id)
                if current is None or current.status != job_store.RUNNING:
                    return
                network_store.save_document(
                    conn,
                    job.network_id,
                    network_to_document(network, arrays=True),
                    time.time(),
                )
        except sqlite3.OperationalError as exc:
            logger.warning("job %s: saving a checkpoint failed: %s", job.id, exc)

    def _write_progress(self, job: job_store.JobRow, progress: _Progress) -> bool:
        """Store progress; return whether a cancel was requested."""
        progress.written_at = time.monotonic()
        try:
            return job_store.write_progress(
                self.db.connection(),
                job.id,
                self.owner,
                steps_done=progress.steps_done,
                epochs_done=progress.epochs_done,
                per_epoch=progress.per_epoch,
                now=time.time(),
            )
        except sqlite3.OperationalError as exc:
            logger.warning("job %s: writing progress failed: %s", job.id, exc)
            return False

    def _finish(
        self,
        job: job_store.JobRow,
        network: Network,
        dataset: Dataset,
        progress: _Progress,
        status: str,
        error: str | None,
    ) -> None:
        with self.db.write() as conn:
            current = job_store.get_job(conn, job.id)
            row = network_store.get_network(conn, job.network_id)
            if current is None or row is None or current.status != job_store.RUNNING:
                logger.warning(
                    "job %s of network %s ended after its job or network was "
                    "removed or marked failed; its result is dropped",
                    job.id,
                    job.network_id,
                )
                return
            history_id = None
            kept_steps = network.steps - progress.start_steps
            if kept_steps > 0:
                loaded = Loaded(row=row, network=network, dataset=dataset, conn=conn)
                summary = f"trained {progress.steps_done} SGD steps ({status})"
                if kept_steps < progress.steps_done:
                    summary += f", kept the first {kept_steps}"
                history_id = self.networks.record(loaded, "train", summary)
            elif progress.steps_done > 0:
                # The job kept none of its steps. Its checkpoints may have
                # overwritten the row, so the state before the job goes back
                # without a history entry, which undo would find empty.
                network_store.save_document(
                    conn,
                    job.network_id,
                    network_to_document(network, arrays=True),
                    time.time(),
                )
            network_store.set_training_job(conn, job.network_id, None)
            job_store.finish_job(
                conn,
                job.id,
                status=status,
                steps_done=progress.steps_done,
                epochs_done=progress.epochs_done,
                per_epoch=progress.per_epoch,
                error=error,
                history_id=history_id,
                now=time.time(),
            )
        logger.info(
            "job %s of network %s stopped: %s after %d of %d steps%s",
            job.id,
            job.network_id,
            status,
            progress.steps_done,
            job.steps_total,
            f" ({error})" if error else "",
        )
