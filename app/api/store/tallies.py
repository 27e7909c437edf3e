"""The number and total size of each network's history entries, remembered.

Deciding whether a change pushes a network's history past its limits needs
the count and the total size of its entries. Counting them with SQL walks
every entry, about 30 us for 500 entries, at every step. Here each process
remembers the count and size it last saw, with the ids of the oldest and
newest entries. Entries only leave the history at either end (dropped as
the oldest, or undone and rewound as the newest), and ids only grow. So
when both ids still match, no other request or process has changed the set
of entries, and the remembered figures still hold.
"""

import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass

# Networks whose figures one process remembers.
REMEMBERED = 10_000


@dataclass(frozen=True)
class _Tally:
    oldest: int
    newest: int
    count: int
    total: float


class HistoryTallies:
    def __init__(self) -> None:
        self._tallies: OrderedDict[str, _Tally] = OrderedDict()
        self._lock = threading.Lock()

    def after_insert(
        self, conn: sqlite3.Connection, network_id: str, history_id: int, size: int
    ) -> tuple[int, float]:
        """Return the count and total size of the entries, the new one included.

        history_id is the entry that the caller's transaction just inserted,
        of size bytes.
        """
        oldest = conn.execute(
            "SELECT id FROM history WHERE network_id = ? ORDER BY id LIMIT 1",
            (network_id,),
        ).fetchone()[0]
        previous = conn.execute(
            "SELECT id FROM history WHERE network_id = ? AND id < ? "
            "ORDER BY id DESC LIMIT 1",
            (network_id, history_id),
        ).fetchone()
        with self._lock:
            known = self._tallies.get(network_id)
        if previous is None:
            count, total = 1, float(size)
        elif known and (known.oldest, known.newest) == (oldest, previous[0]):
            count, total = known.count + 1, known.total + size
        else:
            count, total = conn.execute(
                "SELECT COUNT(*), TOTAL(size) FROM history WHERE network_id = ?",
                (network_id,),
            ).fetchone()
        self._remember(network_id, _Tally(oldest, history_id, count, total))
        return count, total

    def forget(self, network_id: str) -> None:
        """Drop the figures of a network, after entries left its history."""
        with self._lock:
            self._tallies.pop(network_id, None)

    def _remember(self, network_id: str, tally: _Tally) -> None:
        with self._lock:
            self._tallies[network_id] = tally
            self._tallies.move_to_end(network_id)
            while len(self._tallies) > REMEMBERED:
                self._tallies.popitem(last=False)
