"""How steps are stored: history costs filled in when read, networks kept
in memory between steps, a snapshot written once per step, the history
limit, background checkpoints, and a database file written by an earlier
version.

Expected values come from the engine, replayed here without the API.
"""

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from api_helpers import make_settings, post_network
from fastapi.testclient import TestClient

from app.api import networks as networks_module
from app.api.main import create_app
from app.datasets import load_builtin
from app.engine import Network


def engine_copy(client: TestClient, network_id: str) -> Network:
    """Return the network as the engine rebuilds it from the API's export."""
    document = client.get(f"/api/networks/{network_id}/export").json()
    del document["dataset"], document["dataset_options"]
    return Network.from_document(document)


def assert_same_parameters(state: dict[str, Any], network: Network) -> None:
    for got, expected in zip(state["weights"], network.weights, strict=True):
        assert np.array_equal(np.array(got), expected)
    for got, expected in zip(state["biases"], network.biases, strict=True):
        assert np.array_equal(np.array(got), expected)


def test_history_cost_equals_state_cost(
    client: TestClient,
) -> None:
    network_id = post_network(client, dataset="xor", sizes=[2, 3, 2])["id"]
    path = f"/api/networks/{network_id}"
    costs = []
    for request in (
        ("POST", f"{path}/step", {}),
        ("PUT", f"{path}/weights/1/0/1", {"value": 2.5}),
        ("POST", f"{path}/step", {"indices": [0, 1]}),
        ("POST", f"{path}/step", {}),
    ):
        method, url, body = request
        assert client.request(method, url, json=body).status_code == 200
        costs.append(client.get(path).json()["cost"]["train"])
    entries = client.get(f"{path}/history").json()["entries"]
    assert [entry["cost"] for entry in entries] == costs
    # A second read returns the stored costs unchanged.
    again = client.get(f"{path}/history").json()["entries"]
    assert [entry["cost"] for entry in again] == costs


def test_history_cost_matches_the_engine(client: TestClient) -> None:
    network_id = post_network(client, dataset="xor", sizes=[2, 3, 2])["id"]
    network = engine_copy(client, network_id)
    data = load_builtin("xor")
    expected = []
    for _ in range(3):
        assert client.post(f"/api/networks/{network_id}/step", json={}).is_success
        network.step_next_batch(data.x_train, data.y_train)
        expected.append(network.evaluate(data.x_train, data.y_train)["cost"])
    entries = client.get(f"/api/networks/{network_id}/history").json()["entries"]
    assert [entry["cost"] for entry in entries] == expected


def test_steps_match_the_engine_across_other_changes(
    client: TestClient, db_path: Path
) -> None:
    network_id = post_network(client, dataset="xor", sizes=[2, 3, 2])["id"]
    path = f"/api/networks/{network_id}"
    network = engine_copy(client, network_id)
    data = load_builtin("xor")
    # A second app on the same file acts as another worker process: its
    # step makes the network that the first app kept out of date.
    with TestClient(create_app(make_settings(db_path))) as other:
        for stepper in (client, client, other, client, client):
            result = stepper.post(f"{path}/step", json={}).json()
            network.step_next_batch(data.x_train, data.y_train)
            assert_same_parameters(result, network)
            assert result["steps"] == network.steps
    assert client.put(f"{path}/biases/1/2", json={"value": -1.25}).is_success
    network.set_bias(1, 2, -1.25)
    result = client.post(f"{path}/step", json={}).json()
    network.step_next_batch(data.x_train, data.y_train)
    assert_same_parameters(result, network)
    # Undo goes back to the edit; the next step repeats from there.
    undone = client.post(f"{path}/undo").json()
    assert undone["steps"] == network.steps - 1
    again = client.post(f"{path}/step", json={}).json()
    assert_same_parameters(again, network)


def test_rejected_step_leaves_the_next_step_unchanged(client: TestClient) -> None:
    network_id = post_network(client, dataset="xor", sizes=[2, 3, 2])["id"]
    path = f"/api/networks/{network_id}"
    network = engine_copy(client, network_id)
    data = load_builtin("xor")
    assert client.post(f"{path}/step", json={}).is_success
    network.step_next_batch(data.x_train, data.y_train)
    bad = client.post(f"{path}/step", json={"indices": [data.n_train]})
    assert bad.status_code == 422
    result = client.post(f"{path}/step", json={}).json()
    network.step_next_batch(data.x_train, data.y_train)
    assert_same_parameters(result, network)


def test_database_without_pending_costs_column(db_path: Path) -> None:
    settings = make_settings(db_path)
    with TestClient(create_app(settings)) as client:
        network_id = post_network(client, dataset="xor", sizes=[2, 3, 2])["id"]
        assert client.post(f"/api/networks/{network_id}/step", json={}).is_success
        cost = client.get(f"/api/networks/{network_id}").json()["cost"]["train"]
    # Make the file look like one written before the column existed, with
    # the entry's cost stored at the time of the step.
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE history SET cost = ?", (cost,))
    conn.execute("ALTER TABLE history DROP COLUMN cost_pending")
    conn.commit()
    conn.close()
    with TestClient(create_app(settings)) as client:
        path = f"/api/networks/{network_id}"
        assert client.post(f"{path}/step", json={}).is_success
        second = client.get(path).json()["cost"]["train"]
        entries = client.get(f"{path}/history").json()["entries"]
    assert [entry["cost"] for entry in entries] == [cost, second]


def stored_document_lengths(db_path: Path, network_id: str) -> tuple[int, int]:
    """Return the byte lengths of the row's document and its newest snapshot."""
    conn = sqlite3.connect(db_path)
    try:
        row = conn.execute(
            "SELECT length(document) FROM networks WHERE id = ?", (network_id,)
        ).fetchone()
        newest = conn.execute(
            "SELECT length(document) FROM history WHERE network_id = ? "
            "ORDER BY id DESC LIMIT 1",
            (network_id,),
        ).fetchone()
    finally:
        conn.close()
    return row[0], 0 if newest is None else newest[0]


def test_step_stores_snapshot_once(db_path: Path) -> None:
    settings = make_settings(db_path)
    with TestClient(create_app(settings)) as client:
        network_id = post_network(client, dataset="xor", sizes=[2, 3, 2])["id"]
        path = f"/api/networks/{network_id}"
        network = engine_copy(client, network_id)
        data = load_builtin("xor")
        assert stored_document_lengths(db_path, network_id)[0] > 0
        for _ in range(3):
            assert client.post(f"{path}/step", json={}).is_success
            network.step_next_batch(data.x_train, data.y_train)
        # The row points at the newest snapshot instead of holding a copy.
        row_length, snapshot_length = stored_document_lengths(db_path, network_id)
        assert row_length == 0
        assert snapshot_length > 0
        assert_same_parameters(client.get(path).json(), network)
        undone = client.post(f"{path}/undo").json()
        assert undone["steps"] == 2
        assert stored_document_lengths(db_path, network_id)[0] > 0
        assert client.post(f"{path}/step", json={}).is_success
    # A new app on the same file reads the state from the newest snapshot.
    with TestClient(create_app(settings)) as client:
        state = client.get(path).json()
        assert state["steps"] == 3
        assert_same_parameters(state, network)
        exported = engine_copy(client, network_id)
        assert exported.steps == 3
        result = client.post(f"{path}/step", json={}).json()
        network.step_next_batch(data.x_train, data.y_train)
        assert_same_parameters(result, network)


def test_history_drops_oldest_tenth(db_path: Path) -> None:
    with TestClient(create_app(make_settings(db_path, max_history=20))) as client:
        network_id = post_network(client, dataset="xor", sizes=[2, 3, 2])["id"]
        path = f"/api/networks/{network_id}"
        states = []
        for _ in range(21):
            assert client.post(f"{path}/step", json={}).is_success
            states.append(client.get(path).json())
            steps = [
                e["steps"] for e in client.get(f"{path}/history").json()["entries"]
            ]
            # Up to 20 entries are kept, and the 21st change drops the oldest two.
            expected_first = 1 if len(states) <= 20 else 3
            assert steps == list(range(expected_first, len(states) + 1))
        for _ in range(19):
            assert client.post(f"{path}/undo").status_code == 200
        # Undoing the oldest kept entry returns to the state after step 2.
        assert client.get(path).json()["weights"] == states[1]["weights"]
        assert client.post(f"{path}/undo").status_code == 409


def test_checkpoints_run_in_the_background(db_path: Path) -> None:
    with TestClient(create_app(make_settings(db_path))) as client:
        names = {thread.name for thread in threading.enumerate()}
        assert "sqlite-checkpoint" in names
        network_id = post_network(client, dataset="digits", sizes=[64, 30, 10])["id"]
        size_before = db_path.stat().st_size
        for _ in range(20):
            assert client.post(f"/api/networks/{network_id}/step").is_success
        # The commits only append to the log, far below the pages at which a
        # commit would checkpoint by itself. The thread copies them back.
        deadline = time.monotonic() + 10.0
        while db_path.stat().st_size == size_before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert db_path.stat().st_size > size_before
    assert "sqlite-checkpoint" not in {t.name for t in threading.enumerate()}


def count_decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the networks that the API decodes from stored bytes."""
    calls: list[int] = []
    original = Network.from_document

    def counted(doc: Any) -> Network:
        calls.append(1)
        return original(doc)

    monkeypatch.setattr(networks_module.Network, "from_document", counted)
    return calls


def test_reads_copy_the_cached_network(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(db_path)
    with TestClient(create_app(settings)) as client:
        network_id = post_network(client, dataset="xor", sizes=[2, 3, 2])["id"]
        path = f"/api/networks/{network_id}"
        example = {"split": "train", "index": 1}
        decodes = count_decodes(monkeypatch)
        first = client.post(f"{path}/backward", json=example).json()
        assert len(decodes) == 1
        assert client.post(f"{path}/step", json={}).is_success
        after_step = client.post(f"{path}/backward", json=example).json()
        again = client.post(f"{path}/backward", json=example).json()
        # The read decoded once, and the step and later reads used the cache.
        assert len(decodes) == 1
        assert after_step == again != first
        services: Any = client.app.state.services  # type: ignore[attr-defined]
        first_copy = services.networks.load(network_id).network
        second_copy = services.networks.load(network_id).network
        assert first_copy is not second_copy
        first_copy.weights[0][0, 0] += 1.0
        assert second_copy.weights[0][0, 0] != first_copy.weights[0][0, 0]
        assert client.post(f"{path}/backward", json=example).json() == again
        # A change by another process makes the cached entry stale.
        with TestClient(create_app(settings)) as other:
            assert other.post(f"{path}/step", json={}).is_success
        before = len(decodes)
        moved = client.post(f"{path}/backward", json=example).json()
        assert len(decodes) == before + 1
        assert moved != again
