"""Small requests run on the event loop, large or unknown ones in a thread,
and a request on the loop that would wait for the write lock moves to a thread."""

import asyncio
import functools
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import pytest
from api_helpers import post_network
from fastapi.testclient import TestClient

from app.api import dispatch
from app.api.dispatch import INLINE_WORK, run_sized, work_estimate
from app.api.store.db import Database, WriteBusyError, must_not_wait


def thread_of(work: int | None) -> tuple[int, int]:
    """Return the ids of the calling thread and of the thread that ran the work."""

    async def main() -> tuple[int, int]:
        ran_in = await run_sized(work, threading.get_ident)
        return threading.get_ident(), ran_in

    return asyncio.run(main())


def test_small_work_runs_on_loop() -> None:
    caller, ran_in = thread_of(INLINE_WORK)
    assert ran_in == caller


@pytest.mark.parametrize("work", [INLINE_WORK + 1, None])
def test_large_or_unknown_work_uses_thread(work: int | None) -> None:
    caller, ran_in = thread_of(work)
    assert ran_in != caller


def test_work_estimate() -> None:
    assert work_estimate(100, 10) == 100 * 14
    assert work_estimate(100, 1) == 100 * 5


def count_thread_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record each handler that runs in a thread, with "retry" before a retry."""
    calls: list[str] = []
    original_pool = dispatch.run_in_threadpool
    original_run_sync = anyio.to_thread.run_sync

    async def in_pool(fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(fn.__name__)
        return await original_pool(fn, *args, **kwargs)

    async def run_sync(fn: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("limiter") is not None and isinstance(fn, functools.partial):
            calls.append(f"retry {fn.func.__name__}")
        return await original_run_sync(fn, *args, **kwargs)

    monkeypatch.setattr(dispatch, "run_in_threadpool", in_pool)
    monkeypatch.setattr(anyio.to_thread, "run_sync", run_sync)
    return calls


def test_small_network_passes_stay_inline(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = post_network(client, dataset="digits", sizes=[64, 30, 10])
    network_id = created["id"]
    services: Any = client.app.state.services  # type: ignore[attr-defined]
    parameters = 64 * 30 + 30 + 30 * 10 + 10
    batch = created["config"]["batch_size"]
    assert services.networks.work(network_id) == parameters * (batch + 4)
    assert services.networks.work(network_id, 1) == parameters * 5
    assert services.networks.work("not-a-network") is None
    calls = count_thread_calls(monkeypatch)
    path = f"/api/networks/{network_id}"
    example = {"split": "train", "index": 0}
    assert client.post(f"{path}/forward", json=example).is_success
    assert client.post(f"{path}/backward", json=example).is_success
    assert client.post(f"{path}/step", json={}).is_success
    assert client.post(f"{path}/step", json={"preview": True}).is_success
    assert calls == []


def test_large_network_passes_use_thread(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    network_id = post_network(client, dataset="digits", sizes=[64, 500, 10])["id"]
    calls = count_thread_calls(monkeypatch)
    path = f"/api/networks/{network_id}"
    example = {"split": "train", "index": 0}
    assert client.post(f"{path}/forward", json=example).is_success
    assert client.post(f"{path}/step", json={"indices": [0, 1]}).is_success
    assert calls == ["_forward", "_step"]


def test_unknown_network_goes_to_thread(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    network_id = post_network(client, dataset="xor", sizes=[2, 3, 2])["id"]
    services: Any = client.app.state.services  # type: ignore[attr-defined]
    # As if another worker process had created it.
    services.networks._shapes.clear()
    calls = count_thread_calls(monkeypatch)
    path = f"/api/networks/{network_id}/forward"
    for _ in range(2):
        assert client.post(path, json={"input": [0, 1]}).is_success
    assert calls == ["_forward"]


def hold_write_lock(db_path: Path, seconds: float) -> threading.Thread:
    """Hold SQLite's write lock from another connection, as another process would."""
    lock_taken = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(db_path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        lock_taken.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert lock_taken.wait(5)
    return thread


def test_busy_lock_raises_on_loop(db_path: Path) -> None:
    db = Database(db_path)
    try:
        holder = hold_write_lock(db_path, 1.0)
        token = must_not_wait.set(True)
        try:
            start = time.monotonic()
            with pytest.raises(WriteBusyError), db.write():
                pytest.fail("the block ran without the lock")
            assert time.monotonic() - start < 0.5
        finally:
            must_not_wait.reset(token)
        # Without the flag, a writer waits for the lock and then goes on.
        with db.write() as conn:
            conn.execute("SELECT 1")
        holder.join()
        # The same happens when another thread of this process is writing.
        errors: list[BaseException] = []

        def try_write_on_the_loop() -> None:
            must_not_wait.set(True)
            try:
                with db.write():
                    pass
            except WriteBusyError as exc:
                errors.append(exc)

        with db.write():
            other = threading.Thread(target=try_write_on_the_loop)
            other.start()
            other.join(timeout=5)
        assert not other.is_alive()
        assert len(errors) == 1
    finally:
        db.close()


def test_step_on_busy_lock_uses_thread(
    client: TestClient, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    network_id = post_network(client, dataset="xor", sizes=[2, 3, 2])["id"]
    path = f"/api/networks/{network_id}"
    calls = count_thread_calls(monkeypatch)
    holder = hold_write_lock(db_path, 0.3)
    # A read does not need the lock and stays on the loop.
    assert client.post(f"{path}/forward", json={"input": [0, 1]}).is_success
    assert calls == []
    start = time.monotonic()
    response = client.post(f"{path}/step", json={})
    holder.join()
    assert response.status_code == 200, response.text
    assert response.json()["steps"] == 1
    assert calls == ["retry _step"]
    assert time.monotonic() - start >= 0.1
    # With the lock free again, the next step runs on the loop.
    assert client.post(f"{path}/step", json={}).json()["steps"] == 2
    assert calls == ["retry _step"]


def test_uncached_upload_is_parsed_in_a_thread(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = "\n".join(f"{i / 10},{(i * 7 % 10) / 10},{i % 2}" for i in range(40))
    data = f"x1,x2,label\n{rows}\n".encode()
    upload = client.post(
        "/api/datasets",
        files={"file": ("points.csv", data, "text/csv")},
        data={"target": "label"},
    )
    assert upload.status_code == 201, upload.text
    network_id = post_network(client, dataset=upload.json()["id"])["id"]
    services: Any = client.app.state.services  # type: ignore[attr-defined]
    path = f"/api/networks/{network_id}/forward"
    example = {"split": "train", "index": 0}
    expected = client.post(path, json=example).json()
    # As if other data sets had pushed this one out of the cache.
    services.datasets._cache.clear()
    calls = count_thread_calls(monkeypatch)
    assert client.post(path, json=example).json() == expected
    assert calls == ["retry _forward"]
    assert client.post(path, json=example).json() == expected
    assert calls == ["retry _forward"]


def test_retries_leave_threads_for_others(app: Any, db_path: Path) -> None:
    with TestClient(app) as client:
        network_id = post_network(client, dataset="xor", sizes=[2, 3, 2])["id"]

    async def main() -> tuple[list[int], float]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as ac:
            holder = hold_write_lock(db_path, 1.0)
            steps = [
                asyncio.create_task(ac.post(f"/api/networks/{network_id}/step"))
                for _ in range(60)
            ]
            await asyncio.sleep(0.2)
            # /healthz runs in the default pool, which the 60 waiting steps
            # must not have filled.
            start = time.monotonic()
            health = await ac.get("/healthz")
            waited = time.monotonic() - start
            assert health.status_code == 200
            responses = await asyncio.gather(*steps)
            holder.join()
        return [response.status_code for response in responses], waited

    statuses, waited = asyncio.run(main())
    assert statuses == [200] * 60
    assert waited < 0.5


def test_read_does_not_wait_to_mark_use(client: TestClient, db_path: Path) -> None:
    network_id = post_network(client, dataset="xor", sizes=[2, 3, 2])["id"]
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE networks SET last_used = 0 WHERE id = ?", (network_id,))
    conn.commit()
    conn.close()
    holder = hold_write_lock(db_path, 2.0)
    start = time.monotonic()
    response = client.get(f"/api/networks/{network_id}")
    elapsed = time.monotonic() - start
    holder.join()
    assert response.status_code == 200
    assert elapsed < 1.0
