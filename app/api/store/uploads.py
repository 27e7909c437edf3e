"""Uploaded CSV data sets: the file's bytes with the options to parse it again.

Parsing is deterministic for given bytes, target and options, so storing the
input rather than the parsed arrays loses nothing and keeps the rows small.
"""

import sqlite3
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True)
class UploadRow:
    id: str
    name: str
    target: str
    options: dict[str, Any]
    data: bytes


def insert_upload(
    conn: sqlite3.Connection,
    upload_id: str,
    *,
    name: str,
    target: str,
    options: dict[str, Any],
    data: bytes,
    now: float,
) -> None:
    conn.execute(
        "INSERT INTO datasets (id, name, target, options, data, created_at, "
        "last_used) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (upload_id, name, target, orjson.dumps(options).decode(), data, now, now),
    )


def get_upload(conn: sqlite3.Connection, upload_id: str) -> UploadRow | None:
    row = conn.execute(
        "SELECT id, name, target, options, data FROM datasets WHERE id = ?",
        (upload_id,),
    ).fetchone()
    if row is None:
        return None
    return UploadRow(
        id=row["id"],
        name=row["name"],
        target=row["target"],
        options=orjson.loads(row["options"]),
        data=row["data"],
    )


def upload_exists(conn: sqlite3.Connection, upload_id: str) -> bool:
    row = conn.execute("SELECT 1 FROM datasets WHERE id = ?", (upload_id,)).fetchone()
    return row is not None


def touch_upload(conn: sqlite3.Connection, upload_id: str, now: float) -> None:
    conn.execute("UPDATE datasets SET last_used = ? WHERE id = ?", (now, upload_id))


def count_uploads(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM datasets").fetchone()[0])


def unused_uploads(conn: sqlite3.Connection, count: int) -> list[str]:
    """Return up to count ids of uploads no network uses, least recently used first."""
    rows = conn.execute(
        "SELECT id FROM datasets WHERE id NOT IN (SELECT dataset FROM networks) "
        "ORDER BY last_used, id LIMIT ?",
        (count,),
    ).fetchall()
    return [row["id"] for row in rows]


def delete_upload(conn: sqlite3.Connection, upload_id: str) -> None:
    conn.execute("DELETE FROM datasets WHERE id = ?", (upload_id,))
