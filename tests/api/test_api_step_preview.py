"""POST /step with "preview": true computes a step and changes nothing."""

import numpy as np
from api_helpers import post_network
from fastapi.testclient import TestClient

from app.datasets import load_builtin
from app.engine import Network, NetworkConfig

XOR = load_builtin("xor")


def test_preview_of_test_example_equals_engine(client: TestClient) -> None:
    network_id = post_network(client, seed=3, l2=0.5)["id"]
    before = client.get(f"/api/networks/{network_id}").json()
    history_before = client.get(f"/api/networks/{network_id}/history").json()
    x, y = XOR.x_test[7], XOR.y_test[7]
    body = {
        "examples": [{"input": x.tolist(), "target": y.tolist()}],
        "preview": True,
    }

    response = client.post(f"/api/networks/{network_id}/step", json=body)

    assert response.status_code == 200, response.text
    result = response.json()
    assert result["preview"] is True
    assert result["history_id"] is None
    engine = Network(NetworkConfig(sizes=(2, 4, 2), seed=3, lmbda=0.5))
    expected = engine.step(x, y, n_train=XOR.n_train)
    for l in range(2):
        assert result["weights"][l] == expected.weights_after[l].tolist()
        assert result["biases"][l] == expected.biases_after[l].tolist()
        assert result["grad_w"][l] == expected.grad_w[l].tolist()
    assert result["cost_after"] == expected.cost_after
    after = client.get(f"/api/networks/{network_id}").json()
    assert after == before
    history_after = client.get(f"/api/networks/{network_id}/history").json()
    assert history_after == history_before


def test_preview_of_next_batch_keeps_epoch_order(client: TestClient) -> None:
    network_id = post_network(client, seed=1)["id"]
    url = f"/api/networks/{network_id}/step"

    preview = client.post(url, json={"preview": True}).json()
    real = client.post(url, json={}).json()

    assert preview["batch"] == real["batch"]
    assert preview["weights"] == real["weights"]
    assert preview["steps"] == real["steps"] == 1
    assert real["preview"] is False
    assert isinstance(real["history_id"], int)


def test_given_examples_decay_with_training_size(client: TestClient) -> None:
    # L2 weight decay scales with the training set size n (Nielsen ch. 3),
    # also when the examples are given in the request.
    network_id = post_network(client, seed=2, l2=1.0, learning_rate=0.5)["id"]
    x, y = XOR.x_train[0], XOR.y_train[0]
    body = {
        "examples": [{"input": x.tolist(), "target": y.tolist()}],
        "include_before": True,
    }

    result = client.post(f"/api/networks/{network_id}/step", json=body).json()

    w = np.array(result["weights_before"][0])
    grad = np.array(result["grad_w"][0])
    decay = 0.5 * 1.0 / XOR.n_train
    expected = w - 0.5 * grad - w * decay
    np.testing.assert_allclose(result["weights"][0], expected, rtol=0, atol=1e-15)


def test_invalid_preview_rejected(client: TestClient) -> None:
    state = post_network(client)
    body = {"examples": [{"input": [1.0], "target": [0, 1]}], "preview": True}

    response = client.post(f"/api/networks/{state['id']}/step", json=body)

    assert response.status_code == 422
    assert response.json()["field"] == "examples.0.input"
    assert client.get(f"/api/networks/{state['id']}").json() == state
