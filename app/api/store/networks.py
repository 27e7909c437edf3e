"""Network rows and their history of parameter snapshots.

Each history entry stores the complete engine document right after one
change (a step, an edit, a training job ...), so that rewinding to it
restores the exact float64 parameters, velocities and counters. The row's
``base`` is the state before the oldest entry kept, which undo returns to
when one entry is left.

A network row's ``document`` is the current state. After a change that added
a history entry it is the empty blob instead, which means "the newest
entry's snapshot". So a step writes its snapshot once, not twice: SQLite's
write-ahead log costs time per byte, and the commit took a fifth of a step.
Every change that removes the newest entry (undo, rewind) or saves a state
without an entry (a training checkpoint) stores the document in the row.

The ``initial`` part of a document (explicit initial parameters, or null for
seeded ones) never changes during a network's life, so it is stored once in
the row and left out of ``document``, ``base`` and the snapshots.

Every function takes the connection of the caller's transaction.
"""

import sqlite3
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import orjson

from app.api.store.budget import DatabaseBudget
from app.api.store.codec import pack_document, unpack_document
from app.api.store.tallies import HistoryTallies

# Past max_history, the oldest 1/PRUNE_FRACTION of the entries is dropped.
PRUNE_FRACTION = 10

# The stored document of a network whose current state is its newest
# history entry's snapshot.
IN_HISTORY = b""


@dataclass(frozen=True)
class NetworkRow:
    """A network row; ``body`` and ``initial`` are the stored bytes.

    ``body`` is the current state, read from the newest history entry when
    ``in_history`` is set (the row stores IN_HISTORY).
    """

    id: str
    body: bytes
    initial: bytes | None
    dataset: str
    dataset_options: dict[str, Any]
    training_job: str | None
    created_at: float
    last_used: float
    in_history: bool

    @cached_property
    def document(self) -> dict[str, Any]:
        """The engine document of the current state, decoded on first use."""
        return _join_initial(self.body, self.initial)

    @cached_property
    def initial_parameters(self) -> dict[str, Any] | None:
        """The document's ``initial`` part (None for seeded parameters)."""
        return None if self.initial is None else unpack_document(self.initial)


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
    initial = document.get("initial")
    packed_initial = None if initial is None else pack_document(initial)
    return pack_body(document), packed_initial


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
        "SELECT id, CASE WHEN length(document) > 0 THEN document ELSE ("
        "  SELECT h.document FROM history AS h WHERE h.network_id = networks.id"
        "  ORDER BY h.id DESC LIMIT 1"
        ") END AS document, length(document) = 0 AS in_history, initial, "
        "dataset, dataset_options, training_job, created_at, last_used "
        "FROM networks WHERE id = ?",
        (network_id,),
    ).fetchone()
    if row is None:
        return None
    return NetworkRow(
        id=row["id"],
        body=row["document"],
        initial=row["initial"],
        dataset=row["dataset"],
        dataset_options=orjson.loads(row["dataset_options"]),
        training_job=row["training_job"],
        created_at=row["created_at"],
        last_used=row["last_used"],
        in_history=bool(row["in_history"]),
    )


def pack_body(document: dict[str, Any]) -> bytes:
    """Return the stored form of a document without its ``initial`` part."""
    body = {key: value for key, value in document.items() if key != "initial"}
    return pack_document(body)


def save_document(
    conn: sqlite3.Connection, network_id: str, document: dict[str, Any], now: float
) -> None:
    save_body(conn, network_id, pack_body(document), now)


def save_body(
    conn: sqlite3.Connection, network_id: str, body: bytes, now: float
) -> None:
    """Store a document packed by pack_body as the network's current state."""
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


def _insert_entry(
    conn: sqlite3.Connection, network_id: str, entry: dict[str, Any], body: bytes
) -> int:
    cursor = conn.execute(
        "INSERT INTO history (network_id, kind, summary, steps, epochs, "
        "examples_seen, cost, cost_pending, created_at, document, size) "
        "VALUES (?, ?, ?, ?, ?, ?, NULL, 1, ?, ?, ?)",
        (
            network_id,
            entry["kind"],
            entry["summary"],
            entry["steps"],
            entry["epochs"],
            entry["examples_seen"],
            entry["created_at"],
            body,
            len(body),
        ),
    )
    history_id = cursor.lastrowid
    assert history_id is not None
    return history_id


def record_saved_state(
    conn: sqlite3.Connection, network_id: str, kind: str, summary: str, now: float
) -> int | None:
    """Add a history entry for a state that was saved without one; return its id.

    A training checkpoint saves the network without a history entry. When its
    job can no longer add one, because its process stopped, this does, so
    that undo returns to the checkpoint and not to the state before the job.
    Returns None when the newest entry, or the base, is that state already.
    """
    row = conn.execute(
        "SELECT document, base FROM networks WHERE id = ?", (network_id,)
    ).fetchone()
    if row is None or row["document"] == IN_HISTORY:
        return None
    body = row["document"]
    newest = conn.execute(
        "SELECT document FROM history WHERE network_id = ? ORDER BY id DESC LIMIT 1",
        (network_id,),
    ).fetchone()
    if body == (row["base"] if newest is None else newest["document"]):
        return None
    counters = unpack_document(body)["counters"]
    entry = {
        "kind": kind,
        "summary": summary,
        "steps": counters["steps"],
        "epochs": counters["epochs"],
        "examples_seen": counters["examples_seen"],
        "created_at": now,
    }
    return _insert_entry(conn, network_id, entry, body)


def save_change(
    conn: sqlite3.Connection,
    row: NetworkRow,
    entry: dict[str, Any],
    body: bytes,
    *,
    max_entries: int,
    max_bytes: int,
    touch_interval: float,
    tallies: HistoryTallies,
    budget: DatabaseBudget,
) -> int:
    """Save body as the current state, append it to the history; return the id.

    entry contains kind, summary, steps, epochs, examples_seen and
    created_at; body is the snapshot packed by pack_body. The entry's cost
    is left pending; NetworkService.history computes it when the history is
    read. The oldest entries beyond the limits are dropped; the newest entry
    is always kept, even when it alone is larger than max_bytes.

    The network row's document becomes IN_HISTORY, and when entries are
    dropped, the row gets its new base in the same UPDATE. A row that already
    stores IN_HISTORY and was used less than touch_interval seconds ago is
    not written at all: each write of last_used also moves its index entry.
    """
    network_id = row.id
    now = entry["created_at"]
    history_id = _insert_entry(conn, network_id, entry, body)
    count, total = tallies.after_insert(conn, network_id, history_id, len(body))
    dropped = _newest_dropped(conn, network_id, count, total, max_entries, max_bytes)
    if dropped is None:
        if not row.in_history or now - row.last_used > touch_interval:
            save_body(conn, network_id, IN_HISTORY, now)
    else:
        # The newest dropped snapshot is the state before the oldest kept entry.
        conn.execute(
            "UPDATE networks SET document = ?, updated_at = ?, last_used = ?, "
            "base = (SELECT document FROM history WHERE id = ?) WHERE id = ?",
            (IN_HISTORY, now, now, dropped, network_id),
        )
        conn.execute(
            "DELETE FROM history WHERE network_id = ? AND id <= ?",
            (network_id, dropped),
        )
        tallies.forget(network_id)
    budget.after_write(conn, len(body))
    return history_id


def _newest_dropped(
    conn: sqlite3.Connection,
    network_id: str,
    count: int,
    total: float,
    max_entries: int,
    max_bytes: int,
) -> int | None:
    """Return the id of the newest entry to drop, or None.

    Past max_entries, the oldest tenth of the entries goes at once, not one
    entry per change. Each drop rewrites the row's base snapshot, and at one
    per step that was about a fifth of the bytes a step writes.
    """
    # count and total are those of all the network's entries. Below, the
    # window query takes running figures from the newest entry back, and the
    # newest entry (n = 1) is always kept. The first entry past a limit and
    # all older ones are dropped, so only the newest dropped id is needed.
    if total <= max_bytes:
        # Only the count limit can apply, so the newest dropped entry is the
        # one at position keep + 1 from the newest. Reading that one entry
        # through the index is much cheaper than the window query below.
        limit = max(max_entries, 1)
        if count <= limit:
            return None
        keep = limit - max(limit // PRUNE_FRACTION, 1) + 1
        row = conn.execute(
            "SELECT id FROM history WHERE network_id = ? "
            "ORDER BY id DESC LIMIT 1 OFFSET ?",
            (network_id, keep),
        ).fetchone()
    else:
        row = conn.execute(
            "SELECT id FROM ("
            "  SELECT id, ROW_NUMBER() OVER newest AS n, SUM(size) OVER newest AS total"
            "  FROM history WHERE network_id = ?"
            "  WINDOW newest AS (ORDER BY id DESC)"
            ") WHERE n > 1 AND (n > ? OR total > ?) ORDER BY id DESC LIMIT 1",
            (network_id, max_entries, max_bytes),
        ).fetchone()
    return None if row is None else int(row["id"])


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


def pending_costs(conn: sqlite3.Connection, network_id: str) -> list[int]:
    """Return the ids of this network's entries whose cost is not computed yet."""
    rows = conn.execute(
        "SELECT id FROM history WHERE network_id = ? AND cost_pending = 1 ORDER BY id",
        (network_id,),
    ).fetchall()
    return [row["id"] for row in rows]


def set_cost(conn: sqlite3.Connection, history_id: int, cost: float | None) -> None:
    """Store the computed cost of an entry whose cost was pending."""
    conn.execute(
        "UPDATE history SET cost = ?, cost_pending = 0 "
        "WHERE id = ? AND cost_pending = 1",
        (cost, history_id),
    )


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
