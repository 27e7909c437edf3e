"""Forward, backward, step and gradient check, against the engine."""

from typing import Any

import numpy as np
import pytest
from api_helpers import post_network
from fastapi.testclient import TestClient

from app.datasets import load_builtin
from app.engine import Network, NetworkConfig, gradient_check

XOR = load_builtin("xor")


def engine_network(**config: Any) -> Network:
    config.setdefault("sizes", (2, 4, 2))
    return Network(NetworkConfig(**config))


def test_forward_equals_engine(client: TestClient) -> None:
    network_id = post_network(client, seed=4)["id"]
    response = client.post(
        f"/api/networks/{network_id}/forward", json={"split": "test", "index": 3}
    )
    assert response.status_code == 200, response.text
    result = response.json()
    engine = engine_network(seed=4)
    trace = engine.forward(XOR.x_test[3:4], XOR.y_test[3:4])
    assert result["example"] == {"split": "test", "index": 3}
    assert result["input"] == XOR.x_test[3].tolist()
    assert result["target"] == XOR.y_test[3].tolist()
    assert [layer["l"] for layer in result["layers"]] == [1, 2]
    for layer in result["layers"]:
        l = layer["l"]
        assert layer["z"] == trace.z[l - 1][0].tolist()
        assert layer["a"] == trace.a[l][0].tolist()
    assert result["output"] == trace.a[-1][0].tolist()
    assert result["cost"] == trace.cost
    expected_class = int(np.argmax(trace.a[-1][0]))
    assert result["prediction"]["class_index"] == expected_class
    assert result["prediction"]["class_name"] == XOR.class_names[expected_class]
    assert set(result["equations"]) >= {"z", "a", "cost"}


def test_forward_without_target_has_no_cost(client: TestClient) -> None:
    network_id = post_network(client)["id"]
    response = client.post(
        f"/api/networks/{network_id}/forward", json={"input": [1, 0]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["cost"] is None
    assert response.json()["target"] is None


def test_backward_equals_engine(client: TestClient) -> None:
    network_id = post_network(
        client,
        sizes=[2, 3, 3, 2],
        seed=2,
        output_activation="softmax",
        cost="log_likelihood",
    )["id"]
    body = {"input": [0.5, -1], "target": [1, 0]}
    response = client.post(f"/api/networks/{network_id}/backward", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    engine = engine_network(
        sizes=(2, 3, 3, 2), seed=2, output_activation="softmax", cost="log_likelihood"
    )
    trace = engine.backward([[0.5, -1.0]], [[1.0, 0.0]])
    assert result["grad_a"] == trace.grad_a[0].tolist()
    assert result["cost"] == trace.forward.cost
    for layer in result["layers"]:
        i = layer["l"] - 1
        assert layer["delta"] == trace.delta[i][0].tolist()
        assert layer["grad_b"] == trace.grad_b[i].tolist()
        assert layer["grad_w"] == trace.grad_w[i].tolist()
        assert layer["sp"] == trace.forward.sp[i][0].tolist()
    equations = [layer["equation"]["delta"] for layer in result["layers"]]
    assert equations == ["BP2", "BP2", "BP1"]
    assert {"BP1", "BP2", "BP3", "BP4", "grad_a"} <= set(result["equations"])
    # A softmax output couples its neurons: BP1 goes through the Jacobian,
    # not through an element-wise sigma'(z^L_j).
    texts = result["equations"]
    assert "sigma'" not in texts["BP1"]
    assert "sum_i" in texts["BP1"]
    assert texts["a_output"] == "a^L_j = e^{z^L_j} / sum_i e^{z^L_i}"
    assert texts["a"] == "a^l_j = sigma(z^l_j)"


def test_backward_equations_of_a_sigmoid_output(client: TestClient) -> None:
    network_id = post_network(client, seed=1)["id"]
    result = client.post(
        f"/api/networks/{network_id}/backward", json={"split": "train", "index": 0}
    ).json()
    texts = result["equations"]
    assert texts["BP1"] == "delta^L_j = dC/da^L_j * sigma'(z^L_j)"
    assert texts["a_output"] == texts["a"] == "a^l_j = sigma(z^l_j)"
    assert texts["cost"] == "C_x = 1/2 sum_j (y_j - a^L_j)^2"
    assert texts["BP4"] == "dC/dw^l_jk = a^{l-1}_k delta^l_j"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("forward", {}, "input"),
        ("forward", {"input": [1, 2, 3]}, "input"),
        ("forward", {"input": [1, 2], "target": [1]}, "target"),
        ("forward", {"split": "train"}, "index"),
        ("forward", {"index": 0}, "split"),
        ("forward", {"split": "train", "index": 10**6}, "index"),
        ("forward", {"split": "validation", "index": 0}, "split"),
        ("forward", {"split": "train", "index": 0, "input": [1, 2]}, "input"),
        ("forward", {"input": [1, "2"]}, "input.1"),
        ("backward", {"input": [1, 2]}, "target"),
        ("backward", {"input": [1, 2], "target": [1, 2, 3]}, "target"),
    ],
)
def test_example_selection_rejects_invalid(
    client: TestClient, path: str, body: dict[str, Any], field: str
) -> None:
    network_id = post_network(client)["id"]
    response = client.post(f"/api/networks/{network_id}/{path}", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"input": [1]}, "input has 1 value, the network expects 2"),
        ({"input": [1, 2, 3]}, "input has 3 values, the network expects 2"),
        ({"input": [1, 2], "target": [1]}, "target has 1 value, the network expects 2"),
    ],
)
def test_wrong_length_message_counts_values(
    client: TestClient, body: dict[str, Any], detail: str
) -> None:
    network_id = post_network(client)["id"]
    response = client.post(f"/api/networks/{network_id}/forward", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == detail


def test_cross_entropy_target_range_is_checked(client: TestClient) -> None:
    network_id = post_network(client, cost="cross_entropy")["id"]
    body = {"input": [1, 2], "target": [2, 0]}
    response = client.post(f"/api/networks/{network_id}/backward", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "target"


def test_steps_equal_engine_replay(client: TestClient) -> None:
    network_id = post_network(client, seed=1, batch_size=7)["id"]
    engine = engine_network(seed=1, batch_size=7)
    for i in range(30):
        # The last step also requests the parameters before it.
        body = {"include_before": True} if i == 29 else {}
        response = client.post(f"/api/networks/{network_id}/step", json=body)
        assert response.status_code == 200, response.text
        expected = engine.step_next_batch(XOR.x_train, XOR.y_train)
        if i == 0:
            first = response.json()
            assert first["weights_before"] is None
            assert first["biases_before"] is None
    result = response.json()
    assert result["batch"]["indices"] == expected.indices.tolist()
    assert result["batch"]["m"] == expected.m
    assert result["cost_before"] == expected.cost_before
    assert result["cost_after"] == expected.cost_after
    for l in range(2):
        assert result["grad_w"][l] == expected.grad_w[l].tolist()
        assert result["grad_b"][l] == expected.grad_b[l].tolist()
        assert result["weights_before"][l] == expected.weights_before[l].tolist()
        assert result["biases_before"][l] == expected.biases_before[l].tolist()
        assert result["weights"][l] == engine.weights[l].tolist()
        assert result["biases"][l] == engine.biases[l].tolist()
    assert result["steps"] == engine.steps == 30
    assert result["epochs"] == engine.epochs
    assert result["examples_seen"] == engine.examples_seen
    assert result["epoch_position"] == engine.epoch_position


def test_step_on_indices_and_examples(client: TestClient) -> None:
    network_id = post_network(client, seed=3, l2=0.1)["id"]
    engine = engine_network(seed=3, lmbda=0.1)
    response = client.post(f"/api/networks/{network_id}/step", json={"indices": [5, 2]})
    assert response.status_code == 200, response.text
    engine.step(XOR.x_train[[5, 2]], XOR.y_train[[5, 2]], n_train=XOR.n_train)
    assert response.json()["weights"][0] == engine.weights[0].tolist()
    assert response.json()["batch"] == {"indices": [5, 2], "m": 2}
    examples = [{"input": [1, -1], "target": [0, 1]}]
    response = client.post(
        f"/api/networks/{network_id}/step", json={"examples": examples}
    )
    assert response.status_code == 200, response.text
    engine.step([[1.0, -1.0]], [[0.0, 1.0]], n_train=XOR.n_train)
    assert response.json()["weights"][1] == engine.weights[1].tolist()
    assert response.json()["batch"] == {"indices": None, "m": 1}
    assert response.json()["steps"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"indices": []}, "indices"),
        ({"indices": [0, 100000]}, "indices.1"),
        ({"indices": [-1]}, "indices.0"),
        ({"examples": [{"input": [1], "target": [0, 1]}]}, "examples.0.input"),
        ({"examples": [{"input": [1, 2], "target": [0]}]}, "examples.0.target"),
        ({"indices": [0], "examples": []}, "examples"),
        ({"learning_rate": 1}, "learning_rate"),
    ],
)
def test_step_rejects_invalid_and_changes_nothing(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    state = post_network(client)
    response = client.post(f"/api/networks/{state['id']}/step", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert client.get(f"/api/networks/{state['id']}").json() == state


def test_divergence_is_rejected_and_changes_nothing(client: TestClient) -> None:
    network_id = post_network(
        client,
        dataset="line",
        sizes=[1, 1, 1],
        hidden_activation="identity",
        output_activation="identity",
        weights=[[[1e6]], [[1e6]]],
        biases=[[0], [0]],
        learning_rate=1e6,
        batch_size=1,
    )["id"]
    for _ in range(20):
        before = client.get(f"/api/networks/{network_id}").json()
        response = client.post(f"/api/networks/{network_id}/step")
        if response.status_code != 200:
            break
    assert response.status_code == 422, response.text
    error = response.json()
    assert "diverged" in error["detail"]
    assert error["layer"] in (1, 2)
    advice = "try a smaller learning rate" in error["detail"]
    assert error["after_update"] is advice
    assert client.get(f"/api/networks/{network_id}").json() == before


def test_gradient_check_equals_engine(client: TestClient) -> None:
    network_id = post_network(client, seed=6)["id"]
    response = client.get(
        f"/api/networks/{network_id}/gradient-check",
        params={"split": "train", "index": 4},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    check = gradient_check(engine_network(seed=6), XOR.x_train[4:5], XOR.y_train[4:5])
    assert result["max_rel_error"] == check.max_rel_error
    assert result["max_rel_error"] < 1e-6
    for layer, expected in zip(result["layers"], check.layers, strict=True):
        assert layer["l"] == expected.layer
        assert layer["grad_w_numeric"] == expected.numeric_w.tolist()
        assert layer["grad_b"] == expected.backprop_b.tolist()


def test_gradient_check_limits(client: TestClient) -> None:
    network_id = post_network(client, dataset="digits", sizes=[64, 100, 10])["id"]
    response = client.get(f"/api/networks/{network_id}/gradient-check")
    assert response.status_code == 422, response.text
    assert response.json()["limit"] == "max_gradient_check_parameters"
    bad_index = client.get(
        f"/api/networks/{network_id}/gradient-check", params={"index": -1}
    )
    assert bad_index.status_code == 422
    assert bad_index.json()["field"] == "index"
