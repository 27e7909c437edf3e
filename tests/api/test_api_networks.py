"""Creating, reading, changing settings of, deleting and expiring networks."""

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from api_helpers import make_settings, post_network
from fastapi.testclient import TestClient

from app.api.main import create_app
from app.datasets import load_builtin
from app.engine import Network, NetworkConfig


def test_create_defaults_match_dataset(client: TestClient) -> None:
    response = client.post("/api/networks", json={"dataset": "xor"})
    assert response.status_code == 201, response.text
    state = response.json()
    dataset = load_builtin("xor")
    assert state["config"]["sizes"] == [dataset.n_inputs, 4, dataset.n_outputs]
    assert state["config"]["hidden_activation"] == "sigmoid"
    assert state["config"]["cost"] == "quadratic"
    assert state["config"]["learning_rate"] == 3.0
    assert state["config"]["batch_size"] == 10
    assert state["steps"] == 0
    assert state["history_length"] == 0
    assert state["training_job"] is None
    assert "layer 0" in state["layer_note"]


def test_create_parameters_equal_engine(client: TestClient) -> None:
    state = post_network(client, sizes=[2, 3, 2], seed=5, init="scaled")
    engine = Network(NetworkConfig(sizes=(2, 3, 2), seed=5, init="scaled"))
    for l in range(2):
        np.testing.assert_array_equal(state["weights"][l], engine.weights[l])
        np.testing.assert_array_equal(state["biases"][l], engine.biases[l])


def test_create_cost_and_accuracy_equal_engine(client: TestClient) -> None:
    state = post_network(client, dataset="iris", seed=3)
    dataset = load_builtin("iris")
    engine = Network(NetworkConfig(sizes=(4, 4, 3), seed=3))
    train = engine.evaluate(dataset.x_train, dataset.y_train)
    test = engine.evaluate(dataset.x_test, dataset.y_test)
    assert state["cost"]["train"] == train["cost"]
    assert state["cost"]["test"] == test["cost"]
    assert state["accuracy"]["train"] == train["accuracy"]
    assert state["accuracy"]["test"] == test["accuracy"]


def test_regression_has_null_accuracy(client: TestClient) -> None:
    state = post_network(client, dataset="sine", output_activation="identity")
    assert state["accuracy"] is None
    assert isinstance(state["cost"]["train"], float)


def test_create_explicit_parameters(client: TestClient) -> None:
    weights = [[[1, -1], [0.5, 2]], [[3, 4], [-2, 1]]]
    biases = [[0, 1], [0.25, -0.25]]
    state = post_network(client, sizes=[2, 2, 2], weights=weights, biases=biases)
    assert state["weights"] == weights
    assert state["biases"] == biases


def test_ids_are_unguessable(client: TestClient) -> None:
    ids = {post_network(client)["id"] for _ in range(3)}
    assert len(ids) == 3
    for network_id in ids:
        # 16 random bytes in URL-safe base64 are 22 characters: 128 bits.
        assert len(network_id) >= 22


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"sizes": [3, 2]}, "sizes.0", "3"),
        ({"sizes": [2, 4, 3]}, "sizes.2", "outputs"),
        ({"sizes": [2]}, "sizes", "at least 2"),
        ({"sizes": [2, 0, 2]}, "sizes.1", ""),
        ({"learning_rate": "fast"}, "learning_rate", "number"),
        ({"learning_rate": True}, "learning_rate", ""),
        ({"learning_rate": -1}, "learning_rate", ""),
        ({"batch_size": 0}, "batch_size", ""),
        ({"batch_size": 1.5}, "batch_size", ""),
        ({"cost": "hinge"}, "cost", ""),
        ({"hidden_activation": "softmax"}, "hidden_activation", ""),
        ({"cost": "log_likelihood"}, "cost", "softmax"),
        ({"output_activation": "identity", "cost": "cross_entropy"}, "cost", ""),
        ({"momentum": 1}, "momentum", ""),
        ({"dataset": "nope"}, "dataset", "not found"),
        ({"dataset_options": {"samples": 2}}, "dataset_options.samples", ""),
        ({"weights": [[[1, 2]]]}, "biases", "both"),
        ({"sizes": [2, 2], "weights": [[[1, 2]]], "biases": [[0, 0]]}, "weights.0", ""),
        ({"unknown": 1}, "unknown", ""),
        ({"seed": -1}, "seed", ""),
    ],
)
def test_create_rejects_invalid(
    client: TestClient, body: dict[str, Any], field: str, words: str
) -> None:
    response = client.post("/api/networks", json={"dataset": "xor", **body})
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["field"] == field
    assert words in error["detail"]


def test_create_rejects_non_finite_json(client: TestClient) -> None:
    response = client.post(
        "/api/networks",
        content=b'{"dataset": "xor", "learning_rate": NaN}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] is not None


def test_create_rejects_malformed_json(client: TestClient) -> None:
    response = client.post(
        "/api/networks",
        content=b'{"dataset": ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert "JSON" in response.json()["detail"]


@pytest.mark.parametrize(
    ("limits", "body", "limit", "field"),
    [
        ({"max_layers": 2}, {"sizes": [2, 3, 3, 2]}, "max_layers", "sizes"),
        ({"max_neurons": 8}, {"sizes": [2, 9, 2]}, "max_neurons", "sizes.1"),
        ({"max_parameters": 20}, {"sizes": [2, 5, 2]}, "max_parameters", "sizes"),
        ({"max_batch_size": 5}, {"batch_size": 6}, "max_batch_size", "batch_size"),
    ],
)
def test_create_enforces_limits(
    db_path: Path,
    limits: dict[str, int],
    body: dict[str, Any],
    limit: str,
    field: str,
) -> None:
    app = create_app(make_settings(db_path, **limits))
    with TestClient(app) as client:
        response = client.post("/api/networks", json={"dataset": "xor", **body})
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["field"] == field
    assert error["limit"] == limit
    assert limit in error["detail"]
    assert str(limits[limit]) in error["detail"]


def test_get_returns_stored_state(client: TestClient) -> None:
    created = post_network(client, seed=9)
    response = client.get(f"/api/networks/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


def test_unknown_network_is_404(client: TestClient) -> None:
    for method, path in [
        ("GET", "/api/networks/missing"),
        ("DELETE", "/api/networks/missing"),
        ("POST", "/api/networks/missing/step"),
        ("GET", "/api/networks/missing/history"),
        ("GET", "/api/networks/missing/export"),
    ]:
        response = client.request(method, path)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["field"] == "network_id"


def test_delete_removes_network(client: TestClient) -> None:
    network_id = post_network(client)["id"]
    assert client.delete(f"/api/networks/{network_id}").status_code == 204
    assert client.get(f"/api/networks/{network_id}").status_code == 404
    assert client.delete(f"/api/networks/{network_id}").status_code == 404


def test_patch_changes_settings(client: TestClient) -> None:
    network_id = post_network(client)["id"]
    response = client.patch(
        f"/api/networks/{network_id}",
        json={"learning_rate": 1, "batch_size": 4, "l2": 0.5, "momentum": 0.9},
    )
    assert response.status_code == 200, response.text
    config = response.json()["config"]
    assert config["learning_rate"] == 1.0
    assert config["batch_size"] == 4
    assert config["l2"] == 0.5
    assert config["momentum"] == 0.9
    assert response.json()["history_length"] == 1
    again = client.get(f"/api/networks/{network_id}").json()
    assert again["config"] == config


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "learning_rate"),
        ({"learning_rate": -0.1}, "learning_rate"),
        ({"batch_size": 0}, "batch_size"),
        ({"momentum": 1.0}, "momentum"),
        ({"sizes": [2, 2]}, "sizes"),
    ],
)
def test_patch_rejects_invalid(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    state = post_network(client)
    response = client.patch(f"/api/networks/{state['id']}", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert client.get(f"/api/networks/{state['id']}").json() == state


def test_export_import_round_trip(client: TestClient) -> None:
    network_id = post_network(client, dataset="moons", momentum=0.5)["id"]
    for _ in range(3):
        assert client.post(f"/api/networks/{network_id}/step").status_code == 200
    original = client.get(f"/api/networks/{network_id}").json()
    document = client.get(f"/api/networks/{network_id}/export").json()
    assert document["format"] == "backprop-viz.network"
    assert document["dataset"] == "moons"
    response = client.post("/api/networks/import", json=document)
    assert response.status_code == 201, response.text
    imported = response.json()
    assert imported["id"] != network_id
    for key in ("weights", "biases", "config", "steps", "epochs", "cost", "dataset"):
        assert imported[key] == original[key], key
    # The same next step on both gives the same parameters, which needs the
    # momentum velocities and the epoch position to have been imported too.
    a = client.post(f"/api/networks/{network_id}/step").json()
    b = client.post(f"/api/networks/{imported['id']}/step").json()
    assert a["weights"] == b["weights"]
    assert a["batch"] == b["batch"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"format": "other"}, "format"),
        ({"version": 2}, "version"),
        ({"version": True}, "version"),
        ({"version": 1.0}, "version"),
        ({"weights": [[[1.0]]]}, "weights"),
        ({"velocity_w": [[[0.0]], [[0.0]]]}, "velocity_w.0"),
        ({"velocity_b": []}, "velocity_b"),
        ({"initial": {"weights": [[[1.0]]], "biases": [[1.0]]}}, "initial.weights"),
        ({"counters": {"steps": -1}}, "counters.steps"),
        ({"config": {"sizes": [2, 4, 2]}}, "config.hidden_activation"),
        ({"dataset": "iris"}, "config.sizes.0"),
        ({"extra": 1}, "extra"),
    ],
)
def test_import_rejects_invalid(
    client: TestClient, change: dict[str, Any], field: str | None
) -> None:
    network_id = post_network(client)["id"]
    document = client.get(f"/api/networks/{network_id}/export").json()
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(document.get(key), dict):
            if key == "config":
                document[key] = value
            else:
                document[key] = {**document[key], **value}
        else:
            document[key] = value
    response = client.post("/api/networks/import", json=document)
    assert response.status_code == 422, response.text
    if field is not None:
        assert response.json()["field"] == field


def test_restart_keeps_networks(db_path: Path) -> None:
    settings = make_settings(db_path)
    with TestClient(create_app(settings)) as client:
        network_id = post_network(client, dataset="blobs")["id"]
        client.post(f"/api/networks/{network_id}/step")
        before = client.get(f"/api/networks/{network_id}").json()
    with TestClient(create_app(settings)) as client:
        after = client.get(f"/api/networks/{network_id}")
        history = client.get(f"/api/networks/{network_id}/history").json()
    assert after.status_code == 200
    assert after.json() == before
    assert len(history["entries"]) == 1


def test_least_recently_used_expire(db_path: Path) -> None:
    app = create_app(make_settings(db_path, max_networks=3))
    with TestClient(app) as client:
        ids = [post_network(client)["id"] for _ in range(3)]
        # Using the oldest network makes the second one least recently used.
        # last_used is written at most every few seconds, so a change is used.
        client.post(f"/api/networks/{ids[0]}/step")
        newest = post_network(client)["id"]
        assert client.get(f"/api/networks/{ids[1]}").status_code == 404
        for kept in (ids[0], ids[2], newest):
            assert client.get(f"/api/networks/{kept}").status_code == 200


def test_import_version_error_names_version(client: TestClient) -> None:
    network_id = post_network(client)["id"]
    document = client.get(f"/api/networks/{network_id}/export").json()
    document["version"] = 99

    response = client.post("/api/networks/import", json=document)

    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert "should be 1, the only document version this server reads" in detail
    assert detail.endswith("got 99")
