"""Editing parameters, reset, and the history with undo, rewind and CSV."""

import csv
import io
import math
from typing import Any

import pytest
from api_helpers import post_network
from fastapi.testclient import TestClient

from app.engine import Network, NetworkConfig


def test_set_weight_and_bias(client: TestClient) -> None:
    network_id = post_network(client, sizes=[2, 3, 2])["id"]
    response = client.put(
        f"/api/networks/{network_id}/weights/1/2/0", json={"value": 7}
    )
    assert response.status_code == 200, response.text
    assert response.json()["weights"][0][2][0] == 7.0
    response = client.put(
        f"/api/networks/{network_id}/biases/2/1", json={"value": -0.5}
    )
    assert response.status_code == 200, response.text
    state = client.get(f"/api/networks/{network_id}").json()
    assert state["weights"][0][2][0] == 7.0
    assert state["biases"][1][1] == -0.5
    assert state["history_length"] == 2


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("weights/3/0/0", {"value": 1}, "l"),
        ("weights/0/0/0", {"value": 1}, "l"),
        ("weights/1/3/0", {"value": 1}, "j"),
        ("weights/1/0/2", {"value": 1}, "k"),
        ("biases/2/2", {"value": 1}, "j"),
        ("weights/1/0/0", {"value": 10**400}, "value"),
        ("weights/1/0/0", {"value": "1"}, "value"),
        ("weights/1/0/0", {}, "value"),
    ],
)
def test_edit_rejects_invalid_and_changes_nothing(
    client: TestClient, path: str, body: dict[str, Any], field: str
) -> None:
    state = post_network(client, sizes=[2, 3, 2])
    response = client.put(f"/api/networks/{state['id']}/{path}", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert client.get(f"/api/networks/{state['id']}").json() == state


def test_set_parameters(client: TestClient) -> None:
    network_id = post_network(client, sizes=[2, 1, 2])["id"]
    body = {"weights": [[[1, 2]], [[3], [4]]], "biases": [[5], [6, 7]]}
    response = client.put(f"/api/networks/{network_id}/parameters", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["weights"] == body["weights"]
    assert response.json()["biases"] == body["biases"]
    bad = {"weights": [[[1, 2]], [[3, 4]]], "biases": [[5], [6, 7]]}
    response = client.put(f"/api/networks/{network_id}/parameters", json=bad)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "weights.1"


def test_large_weights_put_back(client: TestClient) -> None:
    # Training and import can make weights of any finite size, so a script
    # that reads the parameters and puts them back must not be rejected.
    created = post_network(client, sizes=[2, 1, 2])
    document = client.get(f"/api/networks/{created['id']}/export").json()
    document["weights"][0][0][0] = 1e300
    imported = client.post("/api/networks/import", json=document).json()
    network_id = imported["id"]
    body = {"weights": imported["weights"], "biases": imported["biases"]}
    body["weights"][1][1][0] = -1.7976931348623157e308
    response = client.put(f"/api/networks/{network_id}/parameters", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["weights"] == body["weights"]
    single_edit = client.put(
        f"/api/networks/{network_id}/weights/1/0/1", json={"value": 1e7}
    )
    assert single_edit.status_code == 200, single_edit.text


def test_unchanged_edits_add_no_entry(client: TestClient) -> None:
    state = post_network(client, sizes=[2, 1, 2])
    network_id = state["id"]
    same = {"weights": state["weights"], "biases": state["biases"]}
    settings = {"learning_rate": state["config"]["learning_rate"]}
    for method, path, body in [
        ("PUT", "/parameters", same),
        ("PATCH", "", settings),
        # -0.0 is stored as 0.0, so it changes no setting.
        ("PATCH", "", {"l2": -0.0, "momentum": -0.0}),
        ("PUT", "/weights/1/0/0", {"value": state["weights"][0][0][0]}),
    ]:
        url = f"/api/networks/{network_id}{path}"
        response = client.request(method, url, json=body)
        assert response.status_code == 200, (path, response.text)
        assert response.json()["history_length"] == 0, path
        assert math.copysign(1.0, response.json()["config"]["l2"]) == 1.0

    # A changed value, even only in its sign bit, is an entry.
    zeroed = [[[0.0, 0.0]], [[0.0], [0.0]]]
    client.put(
        f"/api/networks/{network_id}/parameters", json={**same, "weights": zeroed}
    )
    negative = [[[-0.0, 0.0]], [[0.0], [0.0]]]
    response = client.put(
        f"/api/networks/{network_id}/parameters", json={**same, "weights": negative}
    )
    assert response.json()["history_length"] == 2
    response = client.patch(f"/api/networks/{network_id}", json={"learning_rate": 0.5})
    assert response.json()["history_length"] == 3


def test_reset_restores_initial(client: TestClient) -> None:
    created = post_network(client, seed=11)
    network_id = created["id"]
    for _ in range(3):
        client.post(f"/api/networks/{network_id}/step")
    client.put(f"/api/networks/{network_id}/weights/1/0/0", json={"value": 9})
    response = client.post(f"/api/networks/{network_id}/reset")
    assert response.status_code == 200, response.text
    state = response.json()
    engine = Network(NetworkConfig(sizes=(2, 4, 2), seed=11))
    assert state["weights"] == [w.tolist() for w in engine.weights]
    assert state["biases"] == [b.tolist() for b in engine.biases]
    assert state["steps"] == state["epochs"] == state["examples_seen"] == 0
    assert state["history_length"] == 5


def test_reset_restores_explicit_initial(client: TestClient) -> None:
    weights = [[[0.5, -0.5]], [[2.0]]]
    biases = [[0.1], [0.2]]
    network_id = post_network(
        client,
        dataset="plane",
        sizes=[2, 1, 1],
        weights=weights,
        biases=biases,
        output_activation="identity",
    )["id"]
    client.post(f"/api/networks/{network_id}/step")
    state = client.post(f"/api/networks/{network_id}/reset").json()
    assert state["weights"] == weights
    assert state["biases"] == biases


def test_history_undo_and_rewind_are_exact(client: TestClient) -> None:
    network_id = post_network(client, momentum=0.5)["id"]
    states = []
    for _ in range(4):
        client.post(f"/api/networks/{network_id}/step")
        states.append(client.get(f"/api/networks/{network_id}").json())
    entries = client.get(f"/api/networks/{network_id}/history").json()["entries"]
    assert [entry["steps"] for entry in entries] == [1, 2, 3, 4]
    assert all(entry["kind"] == "step" for entry in entries)
    assert entries[-1]["cost"] == states[-1]["cost"]["train"]

    undone = client.post(f"/api/networks/{network_id}/undo")
    assert undone.status_code == 200, undone.text
    assert undone.json()["weights"] == states[2]["weights"]
    assert undone.json()["steps"] == 3
    assert undone.json()["history_length"] == 3

    rewound = client.post(
        f"/api/networks/{network_id}/rewind", json={"history_id": entries[0]["id"]}
    )
    assert rewound.status_code == 200, rewound.text
    assert rewound.json()["weights"] == states[0]["weights"]
    assert rewound.json()["biases"] == states[0]["biases"]
    assert rewound.json()["history_length"] == 1

    # The momentum velocities come back too: the next step repeats step 2.
    step = client.post(f"/api/networks/{network_id}/step").json()
    assert step["weights"] == states[1]["weights"]


def test_undo_to_creation_and_empty_history(client: TestClient) -> None:
    created = post_network(client)
    network_id = created["id"]
    client.post(f"/api/networks/{network_id}/step")
    undone = client.post(f"/api/networks/{network_id}/undo").json()
    assert undone["weights"] == created["weights"]
    assert undone["steps"] == 0
    response = client.post(f"/api/networks/{network_id}/undo")
    assert response.status_code == 409, response.text
    assert "empty" in response.json()["detail"]


def test_rewind_rejects_unknown_entry(client: TestClient) -> None:
    network_id = post_network(client)["id"]
    other_id = post_network(client)["id"]
    client.post(f"/api/networks/{other_id}/step")
    other_entry = client.get(f"/api/networks/{other_id}/history").json()["entries"][0]
    response = client.post(
        f"/api/networks/{network_id}/rewind", json={"history_id": other_entry["id"]}
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "history_id"


def test_history_keeps_max_entries(db_path: Any) -> None:
    from api_helpers import make_settings

    from app.api.main import create_app

    with TestClient(create_app(make_settings(db_path, max_history=3))) as client:
        created = post_network(client)
        network_id = created["id"]
        states = []
        for _ in range(5):
            client.post(f"/api/networks/{network_id}/step")
            states.append(client.get(f"/api/networks/{network_id}").json())
        entries = client.get(f"/api/networks/{network_id}/history").json()["entries"]
        assert [entry["steps"] for entry in entries] == [3, 4, 5]
        for _ in range(3):
            assert client.post(f"/api/networks/{network_id}/undo").status_code == 200
        # Undoing the oldest kept entry returns to the state after step 2.
        state = client.get(f"/api/networks/{network_id}").json()
        assert state["weights"] == states[1]["weights"]
        assert client.post(f"/api/networks/{network_id}/undo").status_code == 409


def test_history_csv(client: TestClient) -> None:
    network_id = post_network(client)["id"]
    client.post(f"/api/networks/{network_id}/step")
    client.patch(f"/api/networks/{network_id}", json={"learning_rate": 0.5})
    response = client.get(f"/api/networks/{network_id}/history.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["kind"] for row in rows] == ["step", "settings"]
    assert rows[0]["steps"] == "1"
    assert "learning_rate = 0.5" in rows[1]["summary"]
    history = client.get(f"/api/networks/{network_id}/history").json()["entries"]
    assert float(rows[0]["cost"]) == history[0]["cost"]


def test_history_keeps_max_bytes(db_path: Any) -> None:
    from api_helpers import make_settings

    from app.api.main import create_app

    with TestClient(create_app(make_settings(db_path))) as client:
        network_id = post_network(client)["id"]
        client.post(f"/api/networks/{network_id}/step")
    # One snapshot of this network is well under 10 kB, so 10 kB keeps several
    # entries but not all 40.
    settings = make_settings(db_path, max_history_bytes=10_000)
    with TestClient(create_app(settings)) as client:
        for _ in range(40):
            client.post(f"/api/networks/{network_id}/step")
        entries = client.get(f"/api/networks/{network_id}/history").json()["entries"]
    assert 1 < len(entries) < 41
    assert entries[-1]["steps"] == 41
    steps = [entry["steps"] for entry in entries]
    assert steps == list(range(42 - len(entries), 42))
