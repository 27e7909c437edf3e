"""How steps are stored: history costs filled in when read, networks kept
in memory between steps, and a database file written by an earlier version.

Expected values come from the engine, replayed here without the API.
"""

import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
from api_helpers import make_settings, post_network
from fastapi.testclient import TestClient

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
