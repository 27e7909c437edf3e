"""predict-grid (2 inputs) and predict-curve (1 input), against the engine."""

from typing import Any

import numpy as np
import pytest
from api_helpers import post_network
from fastapi.testclient import TestClient

from app.datasets import load_builtin
from app.engine import Network, NetworkConfig

XOR = load_builtin("xor")
SINE = load_builtin("sine")


def engine_network(**config: Any) -> Network:
    config.setdefault("sizes", (2, 4, 2))
    return Network(NetworkConfig(**config))


def post_sine_network(client: TestClient, **body: Any) -> str:
    body = {"dataset": "sine", "output_activation": "identity", "seed": 3, **body}
    return post_network(client, **body)["id"]


def test_predict_grid_equals_engine(client: TestClient) -> None:
    network_id = post_network(client, seed=8)["id"]
    response = client.post(
        f"/api/networks/{network_id}/predict-grid", json={"resolution": 5}
    )
    assert response.status_code == 200, response.text
    grid = response.json()
    low, high = XOR.input_range
    assert grid["x"] == np.linspace(low, high, 5).tolist()
    assert len(grid["values"]) == 5
    assert len(grid["values"][0]) == 5
    output = engine_network(seed=8).predict([[grid["x"][3], grid["y"][1]]])[0]
    assert grid["values"][1][3] == int(np.argmax(output))
    assert grid["probability"][1][3] == float(output.max())


def test_predict_grid_rejects_other_inputs(client: TestClient) -> None:
    response = client.post(
        f"/api/networks/{post_sine_network(client)}/predict-grid", json={}
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "network_id"
    assert "2 inputs, this one has 1" in response.json()["detail"]
    too_fine = client.post(
        f"/api/networks/{post_network(client)['id']}/predict-grid",
        json={"resolution": 100000},
    )
    assert too_fine.status_code == 422
    assert too_fine.json()["limit"] == "max_grid_resolution"


def test_predict_curve_equals_forward_passes(client: TestClient) -> None:
    network_id = post_sine_network(client, sizes=[1, 5, 1])
    response = client.post(
        f"/api/networks/{network_id}/predict-curve", json={"resolution": 7}
    )
    assert response.status_code == 200, response.text
    curve = response.json()
    low, high = SINE.input_range
    assert curve["x"] == np.linspace(low, high, 7).tolist()
    assert len(curve["a"]) == 7
    for x, a in zip(curve["x"], curve["a"], strict=True):
        forward = client.post(
            f"/api/networks/{network_id}/forward", json={"input": [x]}
        )
        assert forward.status_code == 200, forward.text
        # One matrix product over all x rounds differently in the last bits.
        assert a == pytest.approx(forward.json()["output"], rel=1e-12, abs=1e-15)


def test_predict_curve_follows_the_parameters(client: TestClient) -> None:
    # A hand-made 1-1-1 network: a^2 = w2 * sigmoid(w1 x + b1) + b2.
    body = {"sizes": [1, 1, 1], "weights": [[[2.0]], [[-3.0]]], "biases": [[0.5], [1]]}
    network_id = post_sine_network(client, **body)
    curve = client.post(
        f"/api/networks/{network_id}/predict-curve", json={"resolution": 3}
    ).json()
    for x, a in zip(curve["x"], curve["a"], strict=True):
        hidden = 1.0 / (1.0 + np.exp(-(2.0 * x + 0.5)))
        assert a == pytest.approx([-3.0 * hidden + 1.0], rel=1e-14)


def test_predict_curve_rejects_bad_requests(
    client: TestClient,
) -> None:
    network_id = post_sine_network(client)
    path = f"/api/networks/{network_id}/predict-curve"
    before = client.get(f"/api/networks/{network_id}/export").json()
    too_fine = client.post(path, json={"resolution": 100000})
    assert too_fine.status_code == 422
    assert too_fine.json()["limit"] == "max_grid_resolution"
    assert "100000" in too_fine.json()["detail"]
    for bad in ({"resolution": 1}, {"resolution": "many"}, {"resolutions": 5}):
        response = client.post(path, json=bad)
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["field"].startswith("resolution"), response.text
    two_inputs = client.post(
        f"/api/networks/{post_network(client)['id']}/predict-curve", json={}
    )
    assert two_inputs.status_code == 422
    assert "1 input, this one has 2" in two_inputs.json()["detail"]
    missing = client.post("/api/networks/" + "0" * 32 + "/predict-curve", json={})
    assert missing.status_code == 404
    assert client.get(f"/api/networks/{network_id}/export").json() == before


def test_predict_curve_default_resolution(client: TestClient) -> None:
    network_id = post_sine_network(client)
    curve = client.post(f"/api/networks/{network_id}/predict-curve").json()
    assert len(curve["x"]) == len(curve["a"]) == 101
    assert curve["x"][0] == SINE.input_range[0]
    assert curve["x"][-1] == SINE.input_range[1]
