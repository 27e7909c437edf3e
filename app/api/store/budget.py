"""A bound on the size of the database, kept by cutting old history.

Each network's history is held to max_history entries and max_history_bytes,
but a thousand networks at those limits would fill a laptop's disk. So each
process counts the snapshot bytes it writes, and after every 1/64 of
max_database_bytes it reads how much of the database is in use. That takes
three PRAGMAs and no scan. When the database is over the limit, the
histories of the least recently used networks are cut to their newest entry,
one network after another. The cut stops under 90% of the limit, or when no
history has more than one entry. The newest entry stays, because it is
the network's current state, so undo still goes back one change.

Pages freed by the cut are reused by later writes. The file does not shrink,
but it stops growing. Only history is cut: the networks' own rows and the
uploaded data sets are bounded by max_networks and max_datasets instead, and
the write-ahead log beside the file comes on top.
"""

import logging
import sqlite3
import threading

from app.api.store.tallies import HistoryTallies

logger = logging.getLogger(__name__)

# The used size is read after each max_database_bytes / CHECK_DIVISOR bytes
# of snapshots that this process writes.
CHECK_DIVISOR = 64
# A cut goes on until the used size is below this fraction of the limit.
TARGET_FRACTION = 0.9


def used_bytes(conn: sqlite3.Connection) -> int:
    """Return the bytes of the database's pages that hold data, free pages left out."""
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    return int((pages - free) * page_size)


def drop_through(conn: sqlite3.Connection, network_id: str, dropped: int) -> None:
    """Delete the network's entries up to id `dropped`, which becomes its base.

    The base is the state before the oldest kept entry, which rewinding to
    the start returns to.
    """
    conn.execute(
        "UPDATE networks SET base = (SELECT document FROM history WHERE id = ?) "
        "WHERE id = ?",
        (dropped, network_id),
    )
    conn.execute(
        "DELETE FROM history WHERE network_id = ? AND id <= ?", (network_id, dropped)
    )


class DatabaseBudget:
    """Counts this process's snapshot writes and cuts history past the limit."""

    def __init__(self, max_bytes: int, tallies: HistoryTallies) -> None:
        self.max_bytes = max_bytes
        self._tallies = tallies
        self._written = 0
        self._lock = threading.Lock()
        # Set after a check found nothing to cut, so that the warning is
        # logged once rather than at every check.
        self._nothing_to_cut = False

    def after_write(self, conn: sqlite3.Connection, size: int) -> list[str]:
        """Count `size` bytes written in conn's transaction; cut history if due.

        Returns the ids of the networks whose history was cut.
        """
        with self._lock:
            self._written += size
            if self._written < max(self.max_bytes // CHECK_DIVISOR, 1):
                return []
            self._written = 0
        return self.cut(conn)

    def cut(self, conn: sqlite3.Connection) -> list[str]:
        """Cut the least recently used histories while the database is too large."""
        used = used_bytes(conn)
        if used <= self.max_bytes:
            return []
        target = int(self.max_bytes * TARGET_FRACTION)
        candidates = conn.execute(
            "SELECT h.network_id AS id FROM history AS h "
            "JOIN networks AS n ON n.id = h.network_id "
            "GROUP BY h.network_id HAVING COUNT(*) > 1 ORDER BY MAX(n.last_used)"
        ).fetchall()
        cut: list[str] = []
        for row in candidates:
            network_id = row["id"]
            second_newest = conn.execute(
                "SELECT id FROM history WHERE network_id = ? "
                "ORDER BY id DESC LIMIT 1 OFFSET 1",
                (network_id,),
            ).fetchone()
            drop_through(conn, network_id, int(second_newest["id"]))
            self._tallies.forget(network_id)
            logger.info(
                "network %s: history cut to its newest entry, because the "
                "database is over max_database_bytes",
                network_id,
            )
            cut.append(network_id)
            if used_bytes(conn) <= target:
                break
        if cut:
            self._nothing_to_cut = False
            logger.warning(
                "database used %d bytes, over max_database_bytes %d: cut the "
                "history of %d networks to their newest entry, now %d bytes",
                used,
                self.max_bytes,
                len(cut),
                used_bytes(conn),
            )
        elif not self._nothing_to_cut:
            self._nothing_to_cut = True
            logger.warning(
                "database used %d bytes, over max_database_bytes %d, but no "
                "history has more than one entry to cut; the networks and "
                "uploads themselves are limited by max_networks and max_datasets",
                used,
                self.max_bytes,
            )
        return cut
