"""Training job rows: status, progress and the cancel flag.

They live in SQLite, not in process memory, so that any worker process can
serve a poll or a cancel request for a job that another process runs. The
running process writes ``heartbeat`` with every progress update. A job whose
heartbeat is old, or whose process is gone, is stale (see ``is_stale``).
"""

import logging
import os
import socket
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

import orjson

from app.api.store import networks as network_store
from app.settings import Settings

logger = logging.getLogger(__name__)

RUNNING = "running"
DONE = "done"
CANCELLED = "cancelled"
FAILED = "failed"
STATUSES = (RUNNING, DONE, CANCELLED, FAILED)

HOST = socket.gethostname()

# Owner ids of the training runners alive in this process (one per app
# instance). A running job row of this process whose owner is not here was
# left behind by an app instance that stopped.
LIVE_OWNERS: set[str] = set()


@dataclass(frozen=True)
class JobRow:
    id: str
    network_id: str
    status: str
    steps_done: int
    steps_total: int
    epochs_requested: int | None
    epochs_done: int
    per_epoch: list[dict[str, Any]]
    error: str | None
    cancel_requested: bool
    history_id: int | None
    host: str
    pid: int
    owner: str
    heartbeat: float
    created_at: float
    finished_at: float | None


def _job(row: sqlite3.Row) -> JobRow:
    return JobRow(
        id=row["id"],
        network_id=row["network_id"],
        status=row["status"],
        steps_done=row["steps_done"],
        steps_total=row["steps_total"],
        epochs_requested=row["epochs_requested"],
        epochs_done=row["epochs_done"],
        per_epoch=orjson.loads(row["per_epoch"]),
        error=row["error"],
        cancel_requested=bool(row["cancel_requested"]),
        history_id=row["history_id"],
        host=row["host"],
        pid=row["pid"],
        owner=row["owner"],
        heartbeat=row["heartbeat"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
    )


def insert_job(
    conn: sqlite3.Connection,
    *,
    job_id: str,
    network_id: str,
    steps_total: int,
    epochs_requested: int | None,
    host: str,
    owner: str,
    now: float,
) -> None:
    conn.execute(
        "INSERT INTO jobs (id, network_id, status, steps_done, steps_total, "
        "epochs_requested, epochs_done, per_epoch, host, pid, owner, heartbeat, "
        "created_at) VALUES (?, ?, ?, 0, ?, ?, 0, '[]', ?, ?, ?, ?, ?)",
        (
            job_id,
            network_id,
            RUNNING,
            steps_total,
            epochs_requested,
            host,
            os.getpid(),
            owner,
            now,
            now,
        ),
    )


def get_job(conn: sqlite3.Connection, job_id: str) -> JobRow | None:
    row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return None if row is None else _job(row)


def running_jobs(conn: sqlite3.Connection) -> list[JobRow]:
    rows = conn.execute("SELECT * FROM jobs WHERE status = ?", (RUNNING,)).fetchall()
    return [_job(row) for row in rows]


def write_progress(
    conn: sqlite3.Connection,
    job_id: str,
    owner: str,
    *,
    steps_done: int,
    epochs_done: int,
    per_epoch: list[dict[str, Any]],
    now: float,
) -> bool:
    """Store progress; return whether the cancel flag is set.

    Only the owner's running job is updated, so a job that was marked stale
    and failed meanwhile is left alone.
    """
    conn.execute(
        "UPDATE jobs SET steps_done = ?, epochs_done = ?, per_epoch = ?, "
        "heartbeat = ? WHERE id = ? AND owner = ? AND status = ?",
        (
            steps_done,
            epochs_done,
            orjson.dumps(per_epoch).decode(),
            now,
            job_id,
            owner,
            RUNNING,
        ),
    )
    row = conn.execute(
        "SELECT cancel_requested FROM jobs WHERE id = ?", (job_id,)
    ).fetchone()
    return row is None or bool(row["cancel_requested"])


def finish_job(
    conn: sqlite3.Connection,
    job_id: str,
    *,
    status: str,
    steps_done: int,
    epochs_done: int,
    per_epoch: list[dict[str, Any]],
    error: str | None,
    history_id: int | None,
    now: float,
) -> None:
    conn.execute(
        "UPDATE jobs SET status = ?, steps_done = ?, epochs_done = ?, "
        "per_epoch = ?, error = ?, history_id = ?, heartbeat = ?, finished_at = ? "
        "WHERE id = ?",
        (
            status,
            steps_done,
            epochs_done,
            orjson.dumps(per_epoch).decode(),
            error,
            history_id,
            now,
            now,
            job_id,
        ),
    )


def mark_failed(conn: sqlite3.Connection, job_id: str, error: str, now: float) -> None:
    conn.execute(
        "UPDATE jobs SET status = ?, error = ?, finished_at = ? "
        "WHERE id = ? AND status = ?",
        (FAILED, error, now, job_id, RUNNING),
    )


def request_cancel(conn: sqlite3.Connection, job_id: str) -> None:
    conn.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ?", (job_id,))


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_stale(
    job: JobRow, *, host: str, live_owners: set[str], stale_seconds: float, now: float
) -> bool:
    """Return whether a running job can no longer be running.

    A job of this process is stale exactly when its owner (one app instance)
    is not in live_owners. A job of another process on this host is stale
    when that process is gone. Any job is stale once its heartbeat is older
    than stale_seconds.
    """
    if job.status != RUNNING:
        return False
    if now - job.heartbeat > stale_seconds:
        return True
    if job.host != host:
        return False
    if job.pid == os.getpid():
        return job.owner not in live_owners
    return not _process_exists(job.pid)


def is_stale_now(job: JobRow, settings: Settings) -> bool:
    """Return is_stale for this process and the current time."""
    return is_stale(
        job,
        host=HOST,
        live_owners=LIVE_OWNERS,
        stale_seconds=settings.job_stale_seconds,
        now=time.time(),
    )


def release_stale(conn: sqlite3.Connection, job_id: str, network_id: str) -> None:
    """Mark a stale job failed and free its network, in the caller's transaction."""
    mark_failed(
        conn,
        job_id,
        "the server process running this job stopped; the network kept the "
        "parameters of the job's last checkpoint (saved every few seconds), "
        "and the steps after it were lost",
        time.time(),
    )
    released = conn.execute(
        "UPDATE networks SET training_job = NULL WHERE id = ? AND training_job = ?",
        (network_id, job_id),
    ).rowcount
    logger.warning(
        "job %s of network %s was stale and is marked failed", job_id, network_id
    )
    if released:
        history_id = network_store.record_saved_state(
            conn,
            network_id,
            "train",
            f"last checkpoint of training job {job_id}, whose server process stopped",
            time.time(),
        )
        if history_id is not None:
            logger.info(
                "network %s: checkpoint of job %s recorded as history entry %d",
                network_id,
                job_id,
                history_id,
            )
