"""Bounded validation errors, data sets that expire, divergence, large imports,
counter limits and strict path parts."""

import dataclasses
import math
import time
from pathlib import Path
from typing import Any

import pytest
from api_helpers import make_settings, post_network
from fastapi.testclient import TestClient

from app.api.main import create_app
from app.api.store.db import Database

CSV = b"x1,x2,y\n" + b"".join(
    f"{i / 10},{(i * 7 % 10) / 10},{i % 2}\n".encode() for i in range(20)
)


def _post_json(client: TestClient, path: str, body: bytes) -> Any:
    return client.post(path, content=body, headers={"content-type": "application/json"})


# Validation errors are capped


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/networks/import", b'{"weights":[' + b"1," * 200_000 + b"1]}", None),
        ("/api/networks", b'{"weights":[[' + b'"a",' * 200_000 + b'"a"]]}', None),
        ("step", b'{"indices":[' + b"-1," * 200_000 + b"-1]}", "indices.0"),
        ("forward", b'{"input":[' + b'"a",' * 200_000 + b'"a"]}', "input.0"),
    ],
    ids=["import", "create", "step", "forward"],
)
def test_many_invalid_items_give_short_error(
    client: TestClient, path: str, body: bytes, field: str | None
) -> None:
    if not path.startswith("/"):
        path = f"/api/networks/{post_network(client)['id']}/{path}"

    response = _post_json(client, path, body)

    assert response.status_code == 422, response.text[:300]
    error = response.json()
    assert len(error["errors"]) <= 10
    assert len(response.content) < 4000
    if field is not None:
        assert error["field"] == field
        assert "200000 more items" in error["detail"]


def test_invalid_example_list_stops_at_first(client: TestClient) -> None:
    network_id = post_network(client)["id"]
    examples = b'{"examples":[' + b'{"input":"a"},' * 50_000 + b'{"input":"a"}]}'

    response = _post_json(client, f"/api/networks/{network_id}/step", examples)

    assert response.status_code == 422
    assert len(response.json()["errors"]) == 1
    assert response.json()["field"] == "examples.0.input"


def test_invalid_json_names_line_and_column(client: TestClient) -> None:
    response = _post_json(client, "/api/networks", b'{\n  "dataset": "xor",,\n}')

    assert response.status_code == 422
    error = response.json()
    assert error["field"] is None
    assert "line 2, column 20" in error["detail"]


def test_whole_numbers_still_become_floats(client: TestClient) -> None:
    state = post_network(
        client, sizes=[2, 1, 2], weights=[[[1, 2]], [[3], [4]]], biases=[[0], [1, 2]]
    )

    assert state["weights"] == [[[1.0, 2.0]], [[3.0], [4.0]]]


# Uploaded data sets that expire


def _upload(client: TestClient) -> str:
    response = client.post(
        "/api/datasets",
        files={"file": ("xor.csv", CSV, "text/csv")},
        data={"target": "y"},
    )
    assert response.status_code == 201, response.text
    upload_id: str = response.json()["id"]
    return upload_id


def test_expired_upload_cannot_back_a_network(db_path: Path) -> None:
    settings = make_settings(db_path, max_datasets=2)
    with TestClient(create_app(settings)) as client:
        upload_id = _upload(client)
        assert client.get(f"/api/datasets/{upload_id}").status_code == 200
        _upload(client)
        _upload(client)
        assert client.get(f"/api/datasets/{upload_id}").status_code == 404

        response = client.post("/api/networks", json={"dataset": upload_id})

        assert response.status_code == 422, response.text
        assert response.json()["field"] == "dataset"


def test_upload_in_use_does_not_expire(db_path: Path) -> None:
    settings = make_settings(db_path, max_datasets=2)
    with TestClient(create_app(settings)) as client:
        upload_id = _upload(client)
        network_id = post_network(client, dataset=upload_id)["id"]
        for _ in range(3):
            _upload(client)

        assert client.get(f"/api/datasets/{upload_id}").status_code == 200
        step = client.post(f"/api/networks/{network_id}/step")
        assert step.status_code == 200, step.text


def test_network_without_its_data_set_is_usable(db_path: Path) -> None:
    settings = make_settings(db_path)
    with TestClient(create_app(settings)) as client:
        upload_id = _upload(client)
        network_id = post_network(client, dataset=upload_id)["id"]
    # A database from before uploads in use were kept.
    db = Database(db_path)
    with db.write() as conn:
        conn.execute("DELETE FROM datasets WHERE id = ?", (upload_id,))
    db.close()
    with TestClient(create_app(settings)) as client:
        base = f"/api/networks/{network_id}"
        state = client.get(base)
        step = client.post(f"{base}/step")
        export = client.get(f"{base}/export")
        delete = client.delete(base)

    assert state.status_code == 200, state.text
    assert state.json()["cost"] == {"train": None, "test": None}
    assert step.status_code == 409, step.text
    assert upload_id in step.json()["detail"]
    assert export.status_code == 200
    assert delete.status_code == 204


# Divergence


def _diverging_network(client: TestClient) -> str:
    network_id: str = post_network(
        client,
        dataset="plane",
        hidden_activation="identity",
        output_activation="identity",
        learning_rate=1e6,
        batch_size=100,
    )["id"]
    return network_id


def test_step_with_infinite_cost_is_rejected(client: TestClient) -> None:
    network_id = _diverging_network(client)
    statuses = []
    for _ in range(4):
        response = client.post(f"/api/networks/{network_id}/step")
        statuses.append(response.status_code)
        if response.status_code == 200:
            assert isinstance(response.json()["cost_after"], float)
        else:
            assert response.json()["quantity"] in ("cost", "z", "w", "b")
    state = client.get(f"/api/networks/{network_id}").json()

    assert 422 in statuses
    assert state["steps"] == statuses.count(200)
    assert isinstance(state["cost"]["train"], float)


def test_diverging_training_keeps_finite_cost(client: TestClient) -> None:
    network_id = _diverging_network(client)
    job = client.post(f"/api/networks/{network_id}/train", json={"epochs": 5})
    assert job.status_code == 202, job.text
    job_id = job.json()["job_id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        result = client.get(f"/api/networks/{network_id}/train/{job_id}").json()
        if result["status"] != "running":
            break
        time.sleep(0.05)
    state = client.get(f"/api/networks/{network_id}").json()

    assert result["status"] == "failed"
    assert "diverged" in result["error"]
    assert isinstance(state["cost"]["train"], float)


# Export and import of the largest network


@pytest.mark.slow
def test_largest_network_round_trips(client: TestClient) -> None:
    # 64 * 1000 + 1000 + 1000 * 130 + 130 + 130 * 10 + 10 = 196,440 parameters,
    # close to max_parameters = 200,000.
    sizes = [64, 1000, 130, 10]
    weights = [
        [
            [0.1234567890123456 * (j - k) / 997 for k in range(sizes[l - 1])]
            for j in range(sizes[l])
        ]
        for l in range(1, 4)
    ]
    biases = [[-1.2345678901234567e-5] * n for n in sizes[1:]]
    network_id = post_network(
        client,
        dataset="digits",
        sizes=sizes,
        weights=weights,
        biases=biases,
        momentum=0.5,
    )["id"]
    assert client.post(f"/api/networks/{network_id}/step").status_code == 200
    document = client.get(f"/api/networks/{network_id}/export")
    assert len(document.content) > 8 * 1024 * 1024

    imported = _post_json(client, "/api/networks/import", document.content)

    assert imported.status_code == 201, imported.text[:300]
    assert (
        imported.json()["weights"]
        == client.get(f"/api/networks/{network_id}").json()["weights"]
    )


# Counters


def test_step_at_counter_maximum_is_rejected(client: TestClient) -> None:
    network_id = post_network(client)["id"]
    document = client.get(f"/api/networks/{network_id}/export").json()
    document["counters"]["steps"] = 2**53
    imported = client.post("/api/networks/import", json=document)
    assert imported.status_code == 201, imported.text
    new_id = imported.json()["id"]

    step = client.post(f"/api/networks/{new_id}/step")

    assert step.status_code == 409, step.text
    exported = client.get(f"/api/networks/{new_id}/export").json()
    assert client.post("/api/networks/import", json=exported).status_code == 201


def test_import_rejects_epoch_position_past_data(client: TestClient) -> None:
    network_id = post_network(client)["id"]
    document = client.get(f"/api/networks/{network_id}/export").json()
    document["counters"]["epoch_position"] = 10**9

    response = client.post("/api/networks/import", json=document)

    assert response.status_code == 422
    assert response.json()["field"] == "counters.epoch_position"


# Path parts and edits


@pytest.mark.parametrize("part", ["1.0", "+1", "01x", "%201", "1_0", "9" * 310])
def test_weight_path_needs_plain_digits(client: TestClient, part: str) -> None:
    network_id = post_network(client)["id"]

    response = client.put(
        f"/api/networks/{network_id}/weights/{part}/0/0", json={"value": 1}
    )

    assert response.status_code == 422, response.text
    assert response.json()["field"] == "l"
    assert "at most 10 of them" in response.json()["detail"]


def test_body_with_huge_whole_number_is_explained(client: TestClient) -> None:
    response = _post_json(client, "/api/networks", b'{"seed": ' + b"9" * 5000 + b"}")

    assert response.status_code == 400, response.text
    assert "more than 4300 digits" in response.json()["detail"]


def test_edit_to_same_value_adds_no_history(client: TestClient) -> None:
    state = post_network(client)
    network_id = state["id"]
    value = state["weights"][0][0][0]

    response = client.put(
        f"/api/networks/{network_id}/weights/1/0/0", json={"value": value}
    )

    assert response.status_code == 200
    assert response.json()["history_length"] == 0


def test_edit_to_negative_zero_is_recorded(client: TestClient) -> None:
    network_id = post_network(client)["id"]
    url = f"/api/networks/{network_id}/biases/1/0"
    client.put(url, json={"value": 0.0})

    response = client.put(url, json={"value": -0.0})

    assert response.status_code == 200
    assert response.json()["history_length"] == 2
    assert math.copysign(1.0, response.json()["biases"][0][0]) == -1.0


# Checkpoints of training jobs


def test_running_job_saves_checkpoints(db_path: Path) -> None:
    settings = dataclasses.replace(make_settings(db_path), job_checkpoint_seconds=0.05)
    with TestClient(create_app(settings)) as client:
        network_id = post_network(client, dataset="digits", batch_size=1)["id"]
        job = client.post(f"/api/networks/{network_id}/train", json={"steps": 100_000})
        assert job.status_code == 202, job.text
        job_id = job.json()["job_id"]
        time.sleep(0.5)
        state = client.get(f"/api/networks/{network_id}").json()
        client.delete(f"/api/networks/{network_id}/train/{job_id}")

    assert state["training_job"] == job_id
    assert state["steps"] > 0


def test_stale_job_says_steps_were_lost(db_path: Path) -> None:
    settings = make_settings(db_path)
    with TestClient(create_app(settings)) as client:
        network_id = post_network(client)["id"]
    db = Database(db_path)
    with db.write() as conn:
        conn.execute(
            "INSERT INTO jobs (id, network_id, status, steps_done, steps_total, "
            "epochs_done, per_epoch, host, pid, owner, heartbeat, created_at) "
            "VALUES ('dead', ?, 'running', 5, 10, 0, '[]', 'elsewhere', 1, 'x', 0, 0)",
            (network_id,),
        )
        conn.execute(
            "UPDATE networks SET training_job = 'dead' WHERE id = ?", (network_id,)
        )
    db.close()
    with TestClient(create_app(settings)) as client:
        job = client.get(f"/api/networks/{network_id}/train/dead").json()

    assert job["status"] == "failed"
    assert "lost" in job["error"]


# Error bodies of the HTTP layer


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/api/networks/{id}", "DELETE, GET, PATCH"),
        ("PUT", "/api/datasets", "GET, POST"),
        ("PUT", "/api/networks/{id}/export", "GET"),
    ],
)
def test_405_lists_every_allowed_method(
    client: TestClient, method: str, path: str, allowed: str
) -> None:
    network_id = post_network(client)["id"]

    response = client.request(method, path.replace("{id}", network_id))

    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert allowed in response.json()["detail"]


def test_non_utf8_body_is_explained(client: TestClient) -> None:
    network_id = post_network(client)["id"]

    response = _post_json(
        client, f"/api/networks/{network_id}/forward", b'{"input": [1, "\xff"]}'
    )

    assert response.status_code == 400
    assert "UTF-8" in response.json()["detail"]


def test_long_upload_file_name_is_explained(client: TestClient) -> None:
    response = client.post(
        "/api/datasets",
        files={"file": ("a" * 5000 + ".csv", CSV, "text/csv")},
        data={"target": "y"},
    )

    assert response.status_code == 400
    assert response.json()["field"] == "file"
    assert "file name" in response.json()["detail"]


# Numbers at the edge of float64


@pytest.mark.parametrize("key", ["weights", "biases", "velocity_w", "velocity_b"])
def test_import_rejects_whole_numbers_beyond_float64(
    client: TestClient, key: str
) -> None:
    network_id = post_network(client)["id"]
    document = client.get(f"/api/networks/{network_id}/export").json()
    first = document[key][0]
    # A whole number has no float bound in JSON; this one is 10 times the
    # largest float64 and cannot be converted to one.
    if isinstance(first[0], list):
        first[0][0] = -(10**309)
        path = f"{key}.0.0.0"
    else:
        first[0] = 10**309
        path = f"{key}.0.0"

    response = client.post("/api/networks/import", json=document)

    assert response.status_code == 422, response.text
    assert response.json()["field"] == path
    assert "1.8e308" in response.json()["detail"]


def test_upload_scales_huge_range_finitely(
    client: TestClient,
) -> None:
    # max - min of the first column overflows to infinity.
    rows = ["a,b,y", "1e308,1,0", "-1e308,2,1", "0,3,0"]
    rows += [f"{i},{i + 1},{i % 2}" for i in range(4, 12)]
    data = ("\n".join(rows) + "\n").encode()
    response = client.post(
        "/api/datasets",
        files={"file": ("wide.csv", data, "text/csv")},
        data={"target": "y", "test_fraction": "0.25"},
    )
    assert response.status_code == 201, response.text
    dataset_id = response.json()["id"]

    inputs = [
        example["input"]
        for split in ("train", "test")
        for example in client.get(
            f"/api/datasets/{dataset_id}/examples?split={split}"
        ).json()["examples"]
    ]
    assert len(inputs) == 11
    assert all(isinstance(value, float) for row in inputs for value in row)
    # -1e308 and 1e308 are the ends of the first column, and 0 its middle.
    assert sorted(row[0] for row in inputs)[:: len(inputs) - 1] == [0.0, 1.0]
    assert 0.5 in [row[0] for row in inputs]
    post_network(client, dataset=dataset_id)


def test_failed_create_stores_nothing(
    client: TestClient, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.api import networks as network_service
    from app.api.errors import ApiError

    def failing_state(*args: Any, **kwargs: Any) -> Any:
        raise ApiError(422, "the data set cannot be evaluated", "dataset")

    count = "SELECT COUNT(*) FROM networks"
    conn = app.state.services.db.connection()
    before = conn.execute(count).fetchone()[0]
    monkeypatch.setattr(network_service, "network_state", failing_state)

    response = client.post("/api/networks", json={"dataset": "xor"})

    assert response.status_code == 422, response.text
    assert conn.execute(count).fetchone()[0] == before


def test_deep_nesting_gets_client_error(client: TestClient) -> None:
    # Python's JSON parser reads up to about 960 levels here; just below
    # that, quoting the rejected value in the message once ran out of stack.
    statuses = set()
    for depth in range(850, 1150):
        body = b'{"sizes": ' + b"[" * depth + b"]" * depth + b"}"
        response = _post_json(client, "/api/networks", body)
        assert response.status_code in (400, 422), (depth, response.text)
        statuses.add(response.status_code)
    # Both the parser's limit and the validator's message are reached.
    assert statuses == {400, 422}


def test_quote_of_a_deep_value_is_short() -> None:
    from app.api.errors import MAX_QUOTED, quote

    deep: list[Any] = []
    inner = deep
    for _ in range(5000):
        inner.append([])
        inner = inner[0]
    assert quote(deep) == "[[[[...]]]]"
    assert len(quote(list(range(10**5)))) <= MAX_QUOTED
