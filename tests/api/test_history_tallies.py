"""HistoryTallies against the count and sum from SQL, for any process's changes."""

import random
import sqlite3
from pathlib import Path

from app.api.store.db import Database
from app.api.store.tallies import HistoryTallies


def insert(conn: sqlite3.Connection, network_id: str, size: int) -> int:
    cursor = conn.execute(
        "INSERT INTO history (network_id, kind, summary, steps, epochs, "
        "examples_seen, created_at, document, size) "
        "VALUES (?, 'step', '', 0, 0, 0, 0, x'00', ?)",
        (network_id, size),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def truth(conn: sqlite3.Connection, network_id: str) -> tuple[int, float]:
    count, total = conn.execute(
        "SELECT COUNT(*), TOTAL(size) FROM history WHERE network_id = ?",
        (network_id,),
    ).fetchone()
    return count, total


def test_tallies_match_sql_under_random_changes(tmp_path: Path) -> None:
    db = Database(tmp_path / "tallies.sqlite3")
    rng = random.Random(3)
    ours, theirs = HistoryTallies(), HistoryTallies()
    networks = ["a", "b"]
    with db.write() as conn:
        for network_id in networks:
            conn.execute(
                "INSERT INTO networks (id, document, base, dataset, "
                "dataset_options, created_at, updated_at, last_used) "
                "VALUES (?, x'', x'', 'xor', '{}', 0, 0, 0)",
                (network_id,),
            )
    oldest_drops = 0
    for _ in range(400):
        network_id = rng.choice(networks)
        with db.write() as conn:
            ids = [
                row[0]
                for row in conn.execute(
                    "SELECT id FROM history WHERE network_id = ? ORDER BY id",
                    (network_id,),
                )
            ]
            action = rng.random()
            if action < 0.55 or not ids:
                # A change by this process or, through its own tallies, another.
                tallies = ours if rng.random() < 0.7 else theirs
                size = rng.randint(1, 100)
                history_id = insert(conn, network_id, size)
                got = tallies.after_insert(conn, network_id, history_id, size)
                assert got == truth(conn, network_id)
                continue
            if action < 0.7:
                # Undo: the newest entry goes.
                conn.execute("DELETE FROM history WHERE id = ?", (ids[-1],))
            elif action < 0.85:
                # Rewind: the entries after one go.
                keep = rng.choice(ids)
                conn.execute(
                    "DELETE FROM history WHERE network_id = ? AND id > ?",
                    (network_id, keep),
                )
            else:
                # Dropping the oldest, as another process's save would.
                cut = rng.choice(ids[:-1] or ids)
                conn.execute(
                    "DELETE FROM history WHERE network_id = ? AND id <= ?",
                    (network_id, cut),
                )
                oldest_drops += 1
    db.close()
    assert oldest_drops > 10
