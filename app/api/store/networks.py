"""Network rows and their history of parameter snapshots.

A network row stores the engine document of the current state. Each history
entry stores the complete document right after one change (a step, an edit,
a training job ...), so that rewinding to it restores the exact float64
parameters, velocities and counters. The row's ``base`` is the state before
the oldest entry kept, which undo returns to when one entry is left.

The ``initial`` part of a document (explicit initial parameters, or null for
seeded ones) never changes during a network's life, so it is stored once in
the row and left out of ``document``, ``base`` and the snapshots.

Every function takes the connection of the caller's transaction.
"""

import sqlite3
from dataclasses import dataclass
from typing import Any

import orjson

from app.api.store.codec import pack_document, unpack_document


@dataclass(frozen=True)
class NetworkRow:
    id: str
    document: dict[str, Any]
    dataset: str
    dataset_options: dict[str, Any]
    training_job: str | None
    created_at: float
    last_used: float
    history_length: int


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    kind: str
    summary: str
    steps: int
    epochs: int
    examples_seen: int
    cost: float | None
    created_at: float


def _split_initial(document: dict[str, Any]) -> tuple[bytes, bytes | None]:
    body = {key: value for key, value in document.items() if key != "initial"}
    initial = document.get("initial")
    packed_initial = None
    if initial is not None:
        packed_initial = pack_document(initial)
    return pack_document(body), packed_initial


def _join_initial(blob: bytes, initial: bytes | None) -> dict[str, Any]:
    document = unpack_document(blob)
    document["initial"] = None if initial is None else unpack_document(initial)
    return document


def insert_network(
    conn: sqlite3.Connection,
    network_id: str,
    document: dict[str, Any],
    dataset: str,
    dataset_options: dict[str, Any],
    now: float,
) -> None:
    body, initial = _split_initial(document)
    conn.execute(
        "INSERT INTO networks (id, document, initial, base, dataset, "
        "dataset_options, training_job, created_at, updated_at, last_used) "
        "VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
        (
            network_id,
            body,
            initial,
            body,
            dataset,
            orjson.dumps(dataset_options).decode(),
            now,
            now,
            now,
        ),
    )


def get_network(conn: sqlite3.Connection, network_id: str) -> NetworkRow | None:
    row = conn.execute(
        "SELECT id, document, initial, dataset, dataset_options, training_job, "
        "created_at, last_used, "
        "(SELECT COUNT(*) FROM history WHERE network_id = networks.id) AS length "
        "FROM networks WHERE id = ?",
        (network_id,),
    ).fetchone()
    if row is None:
        return None
    return NetworkRow(
        id=row["id"],
        document=_join_initial(row["document"], row["initial"]),
        dataset=row["dataset"],
        dataset_options=orjson.loads(row["dataset_options"]),
        training_job=row["training_job"],
        created_at=row["created_at"],
        last_used=row["last_used"],
        history_length=row["length"],
    )


def save_document(
    conn: sqlite3.Connection, network_id: str, document: dict[str, Any], now: float
) -> None:
    body, _ = _split_initial(document)
    conn.execute(
        "UPDATE networks SET document = ?, updated_at = ?, last_used = ? WHERE id = ?",
        (body, now, now, network_id),
    )


def set_training_job(
    conn: sqlite3.Connection, network_id: str, job_id: str | None
) -> None:
    conn.execute(
        "UPDATE networks SET training_job = ? WHERE id = ?", (job_id, network_id)
    )


def touch(conn: sqlite3.Connection, network_id: str, now: float) -> None:
    conn.execute("UPDATE networks SET last_used = ? WHERE id = ?", (now, network_id))


def delete_network(conn: sqlite3.Connection, network_id: str) -> bool:
    cursor = conn.execute("DELETE FROM networks WHERE id = ?", (network_id,))
    return cursor.rowcount > 0


def count_networks(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM networks").fetchone()[0])


def least_recently_used(conn: sqlite3.Connection, count: int) -> list[str]:
    """Return up to count ids of networks not training, least recently used first."""
    rows = conn.execute(
        "SELECT id FROM networks WHERE training_job IS NULL "
        "ORDER BY last_used, id LIMIT ?",
        (count,),
    ).fetchall()
    return [row["id"] for row in rows]


def datasets_in_use(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT DISTINCT dataset FROM networks").fetchall()
    return {row["dataset"] for row in rows}


# History


def add_history(
    conn: sqlite3.Connection,
    network_id: str,
    entry: dict[str, Any],
    document: dict[str, Any],
    *,
    max_entries: int,
    max_bytes: int,
) -> int:
    """Append a snapshot and drop the oldest beyond the limits; return its id.

    entry contains kind, summary, steps, epochs, examples_seen, cost and
    created_at. The newest entry is always kept, even when it alone is
    larger than max_bytes.
    """
    body, _ = _split_initial(document)
    cursor = conn.execute(
        "INSERT INTO history (network_id, kind, summary, steps, epochs, "
        "examples_seen, cost, created_at, document, size) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            network_id,
            entry["kind"],
            entry["summary"],
            entry["steps"],
            entry["epochs"],
            entry["examples_seen"],
            entry["cost"],
            entry["created_at"],
            body,
            len(body),
        ),
    )
    history_id = cursor.lastrowid
    assert history_id is not None
    _trim_history(conn, network_id, max_entries, max_bytes)
    return history_id


def _trim_history(
    conn: sqlite3.Connection, network_id: str, max_entries: int, max_bytes: int
) -> None:
    # Running count and size from the newest entry back; the newest entry
    # (n = 1) is always kept. The first entry past a limit and all older
    # ones are dropped, so only the newest dropped id is needed.
    row = conn.execute(
        "SELECT id FROM ("
        "  SELECT id, ROW_NUMBER() OVER newest AS n, SUM(size) OVER newest AS total"
        "  FROM history WHERE network_id = ?"
        "  WINDOW newest AS (ORDER BY id DESC)"
        ") WHERE n > 1 AND (n > ? OR total > ?) ORDER BY id DESC LIMIT 1",
        (network_id, max_entries, max_bytes),
    ).fetchone()
    if row is None:
        return
    # The newest dropped snapshot is the state before the oldest kept entry.
    newest_dropped = row["id"]
    conn.execute(
        "UPDATE networks SET base = "
        "(SELECT document FROM history WHERE id = ?) WHERE id = ?",
        (newest_dropped, network_id),
    )
    conn.execute(
        "DELETE FROM history WHERE network_id = ? AND id <= ?",
        (network_id, newest_dropped),
    )


def _entry(row: sqlite3.Row) -> HistoryEntry:
    return HistoryEntry(
        id=row["id"],
        kind=row["kind"],
        summary=row["summary"],
        steps=row["steps"],
        epochs=row["epochs"],
        examples_seen=row["examples_seen"],
        cost=row["cost"],
        created_at=row["created_at"],
    )


def count_history(conn: sqlite3.Connection, network_id: str) -> int:
    row = conn.execute(
        "SELECT COUNT(*) FROM history WHERE network_id = ?", (network_id,)
    ).fetchone()
    return int(row[0])


def truncate_history(conn: sqlite3.Connection, network_id: str, history_id: int) -> int:
    """Delete the entries after history_id; return how many were deleted."""
    cursor = conn.execute(
        "DELETE FROM history WHERE network_id = ? AND id > ?", (network_id, history_id)
    )
    return cursor.rowcount


def list_history(conn: sqlite3.Connection, network_id: str) -> list[HistoryEntry]:
    rows = conn.execute(
        "SELECT id, kind, summary, steps, epochs, examples_seen, cost, created_at "
        "FROM history WHERE network_id = ? ORDER BY id",
        (network_id,),
    ).fetchall()
    return [_entry(row) for row in rows]


def history_document(
    conn: sqlite3.Connection, network_id: str, history_id: int, initial: Any
) -> dict[str, Any] | None:
    """Return the snapshot of one entry of this network, or None."""
    row = conn.execute(
        "SELECT document FROM history WHERE network_id = ? AND id = ?",
        (network_id, history_id),
    ).fetchone()
    if row is None:
        return None
    document = unpack_document(row["document"])
    document["initial"] = initial
    return document


def pop_history(
    conn: sqlite3.Connection, network_id: str, initial: Any
) -> tuple[HistoryEntry, dict[str, Any]] | None:
    """Delete the newest entry; return it and the state before it, or None."""
    rows = conn.execute(
        "SELECT id, kind, summary, steps, epochs, examples_seen, cost, created_at "
        "FROM history WHERE network_id = ? ORDER BY id DESC LIMIT 2",
        (network_id,),
    ).fetchall()
    if not rows:
        return None
    if len(rows) == 2:
        blob = conn.execute(
            "SELECT document FROM history WHERE id = ?", (rows[1]["id"],)
        ).fetchone()["document"]
    else:
        blob = conn.execute(
            "SELECT base FROM networks WHERE id = ?", (network_id,)
        ).fetchone()["base"]
    conn.execute("DELETE FROM history WHERE id = ?", (rows[0]["id"],))
    document = unpack_document(blob)
    document["initial"] = initial
    return _entry(rows[0]), document
