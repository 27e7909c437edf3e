"""The SQLite database: connections, schema and write transactions.

Every change of stored state runs inside ``Database.write()``, a BEGIN
IMMEDIATE transaction. It takes SQLite's write lock before its first read,
so two read-modify-write requests on one network run one after the other,
also when they come from different worker processes on the same file.
WAL mode lets reads go on while a write holds the lock.

Checkpoints, which copy the write-ahead log back into the database file,
run in a background thread (``start_checkpoints``) instead of inside the
commit that happens to fill the log. Small requests run their commits on
the event loop (app.api.dispatch), and a checkpoint there stalled every
client for several milliseconds about every 30 steps.
"""

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from app.api.loop_guard import WouldBlockError, must_not_wait

logger = logging.getLogger(__name__)

# Milliseconds a connection waits for another one's write lock before it
# raises "database is locked".
BUSY_TIMEOUT_MS = 30_000
# Seconds between background checkpoints.
CHECKPOINT_INTERVAL_S = 0.25
# Log pages at which a commit checkpoints by itself: a fallback for when the
# background thread is not running or falls behind. SQLite's default is 1000.
AUTOCHECKPOINT_PAGES = 10_000
# Bytes that the write-ahead log is cut back to after a checkpoint.
JOURNAL_SIZE_LIMIT = 4 * 1024 * 1024

SCHEMA = """
CREATE TABLE IF NOT EXISTS networks (
    id TEXT PRIMARY KEY,
    document BLOB NOT NULL,
    initial BLOB,
    base BLOB NOT NULL,
    dataset TEXT NOT NULL,
    dataset_options TEXT NOT NULL,
    training_job TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    last_used REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS networks_last_used ON networks (last_used);
CREATE INDEX IF NOT EXISTS networks_dataset ON networks (dataset);

CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    network_id TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    steps INTEGER NOT NULL,
    epochs INTEGER NOT NULL,
    examples_seen INTEGER NOT NULL,
    cost REAL,
    created_at REAL NOT NULL,
    document BLOB NOT NULL,
    size INTEGER NOT NULL,
    cost_pending INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS history_network ON history (network_id, id, size);

CREATE TABLE IF NOT EXISTS datasets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    target TEXT NOT NULL,
    options TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at REAL NOT NULL,
    last_used REAL NOT NULL
);

CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    network_id TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    steps_done INTEGER NOT NULL,
    steps_total INTEGER NOT NULL,
    epochs_requested INTEGER,
    epochs_done INTEGER NOT NULL,
    per_epoch TEXT NOT NULL,
    error TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    history_id INTEGER,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    owner TEXT NOT NULL,
    heartbeat REAL NOT NULL,
    created_at REAL NOT NULL,
    finished_at REAL
);
CREATE INDEX IF NOT EXISTS jobs_network ON jobs (network_id);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status);
"""


# Columns added after the first release: table, column, definition. A
# database file from before gets them on start-up.
ADDED_COLUMNS = (("history", "cost_pending", "INTEGER NOT NULL DEFAULT 0"),)


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    for table, column, definition in ADDED_COLUMNS:
        names = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if column not in names:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
            logger.info("added column %s.%s to the database", table, column)


class WriteBusyError(WouldBlockError):
    """The write lock is taken, and this caller must not wait for it.

    On the event loop, waiting would stall every other client of the
    process, for up to 100 ms per try in SQLite's busy handler when another
    process has the lock.
    """


def _begin_without_waiting(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA busy_timeout=0")
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode == sqlite3.SQLITE_BUSY:
            raise WriteBusyError("another process is writing") from None
        raise
    finally:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


class Database:
    """One SQLite file, with one connection per thread that uses it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        # Orders this process's writers before they reach SQLite's write
        # lock. A connection that finds that lock taken polls it, sleeping
        # 1, 2, 5, 10 ... up to 100 ms between tries (sqliteDefaultBusyCallback
        # in SQLite's main.c), so many threads contending there wait far
        # longer than the transactions take. Other processes still meet
        # SQLite's lock, which alone keeps writes correct.
        self._write_lock = threading.Lock()
        self._stop_checkpoints = threading.Event()
        self._checkpointer: threading.Thread | None = None
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = self.connection()
        conn.execute("PRAGMA journal_mode=WAL")
        with self.write() as conn:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            _add_missing_columns(conn)

    def connection(self) -> sqlite3.Connection:
        """Return this thread's connection, opening it on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # isolation_level=None: no implicit transactions, so write() and
            # single statements decide where transactions begin and end.
            # check_same_thread=False only so that close() may close every
            # thread's connection; each connection is used by its own thread.
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
            # A log that grew while checkpoints could not keep up (another
            # process holding a lock, say) shrinks back to this size.
            conn.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
            # Some builds (Debian's among them) zero every freed page, which
            # wrote each dropped history snapshot once more. FAST zeroes only
            # within pages that are written anyway.
            conn.execute("PRAGMA secure_delete=FAST")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """Run the block in a BEGIN IMMEDIATE transaction; roll back on error.

        While must_not_wait is set, a write lock that is taken raises
        WriteBusyError at once, before the block runs.
        """
        conn = self.connection()
        wait = not must_not_wait.get()
        if wait:
            if not self._write_lock.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
                # What SQLite itself raises after busy_timeout.
                raise sqlite3.OperationalError("database is locked")
        elif not self._write_lock.acquire(blocking=False):
            raise WriteBusyError("another thread of this process is writing")
        try:
            if wait:
                conn.execute("BEGIN IMMEDIATE")
            else:
                _begin_without_waiting(conn)
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            self._write_lock.release()

    def try_write(self, change: Callable[[sqlite3.Connection], None]) -> bool:
        """Run change in a write transaction if the lock is free right now.

        Returns False, having changed nothing, when another writer has the
        lock. It is meant for bookkeeping that may be skipped, such as
        last_used.
        """
        token = must_not_wait.set(True)
        try:
            with self.write() as conn:
                change(conn)
        except WriteBusyError as exc:
            logger.debug("skipped a write to %s: %s", self.path, exc)
            return False
        finally:
            must_not_wait.reset(token)
        return True

    def close_thread_connection(self) -> None:
        """Close this thread's connection; a thread that ends calls this."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            return
        with self._lock:
            self._connections.remove(conn)
        conn.close()
        self._local.conn = None

    def start_checkpoints(self) -> None:
        """Start the background thread that checkpoints the log. close() stops it."""
        if self._checkpointer is not None or str(self.path) == ":memory:":
            return
        self._stop_checkpoints.clear()
        self._checkpointer = threading.Thread(
            target=self._checkpoint_loop, name="sqlite-checkpoint", daemon=True
        )
        self._checkpointer.start()
        logger.info("checkpoint thread started for %s", self.path)

    def _checkpoint_loop(self) -> None:
        try:
            while not self._stop_checkpoints.wait(CHECKPOINT_INTERVAL_S):
                try:
                    # PASSIVE copies what it can without waiting for readers
                    # or writers.
                    self.connection().execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:
                    logger.exception("checkpoint of %s failed", self.path)
        finally:
            self.close_thread_connection()

    def stop_checkpoints(self) -> None:
        thread, self._checkpointer = self._checkpointer, None
        if thread is None:
            return
        self._stop_checkpoints.set()
        thread.join()
        logger.info("checkpoint thread stopped for %s", self.path)

    def close(self) -> None:
        """Stop the checkpoint thread and close every connection of this object."""
        self.stop_checkpoints()
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
        self._local = threading.local()
