"""The SQLite database: connections, schema and write transactions.

Every change of stored state runs inside ``Database.write()``, a BEGIN
IMMEDIATE transaction. It takes SQLite's write lock before its first read,
so two read-modify-write requests on one network run one after the other,
also when they come from different worker processes on the same file.
WAL mode lets reads go on while a write holds the lock.
"""

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

# Milliseconds a connection waits for another one's write lock before it
# raises "database is locked".
BUSY_TIMEOUT_MS = 30_000

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
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """Run the block in a BEGIN IMMEDIATE transaction; roll back on error."""
        conn = self.connection()
        if not self._write_lock.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
            # What SQLite itself raises after busy_timeout.
            raise sqlite3.OperationalError("database is locked")
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            self._write_lock.release()

    def close_thread_connection(self) -> None:
        """Close this thread's connection; a thread that ends calls this."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            return
        with self._lock:
            self._connections.remove(conn)
        conn.close()
        self._local.conn = None

    def close(self) -> None:
        """Close every connection that this object opened."""
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
        self._local = threading.local()
