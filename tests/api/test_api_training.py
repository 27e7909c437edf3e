"""Training jobs: progress, per-epoch metrics, 409 while training, cancel, events."""

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import pytest
from api_helpers import make_settings, post_network
from fastapi.testclient import TestClient

from app.api.main import create_app
from app.datasets import load_builtin
from app.engine import Network, NetworkConfig

# Seconds a test waits for a job before it fails.
JOB_TIMEOUT = 60.0


def wait_for_job(client: TestClient, network_id: str, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(
            f"/api/networks/{network_id}/train/{job_id}"
        ).json()
        if job["status"] != "running":
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still running after {JOB_TIMEOUT} s")


def test_train_epochs_equals_engine(client: TestClient) -> None:
    network_id = post_network(client, seed=2, batch_size=16)["id"]
    response = client.post(f"/api/networks/{network_id}/train", json={"epochs": 3})
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["steps_total"] == 3 * 10  # 160 examples in mini-batches of 16
    job = wait_for_job(client, network_id, job["job_id"])
    assert job["status"] == "done"
    assert job["steps_done"] == 30
    assert job["epochs"] == 3
    assert [entry["epoch"] for entry in job["per_epoch"]] == [1, 2, 3]

    dataset = load_builtin("xor")
    engine = Network(NetworkConfig(sizes=(2, 4, 2), seed=2, batch_size=16))
    expected = []
    for _ in range(3):
        engine.train_steps(dataset.x_train, dataset.y_train, 10)
        expected.append(engine.evaluate(dataset.x_test, dataset.y_test))
    for entry, metrics in zip(job["per_epoch"], expected, strict=True):
        assert entry["test_cost"] == metrics["cost"]
        assert entry["test_accuracy"] == metrics["accuracy"]

    state = client.get(f"/api/networks/{network_id}").json()
    assert state["training_job"] is None
    assert state["steps"] == 30
    assert state["epochs"] == 3
    assert state["weights"] == [w.tolist() for w in engine.weights]
    history = client.get(f"/api/networks/{network_id}/history").json()["entries"]
    assert history[-1]["kind"] == "train"
    assert history[-1]["id"] == job["history_id"]


def check_cancelled(client: TestClient, network_id: str, job: dict[str, Any]) -> None:
    """Check a job of 100,000 steps that was cancelled and the network it left."""
    assert job["status"] == "cancelled"
    assert 0 < job["steps_done"] < 100_000
    state = client.get(f"/api/networks/{network_id}").json()
    assert state["training_job"] is None
    assert state["steps"] == job["steps_done"]


def test_training_network_rejects_changes(db_path: Path) -> None:
    settings = dataclasses.replace(make_settings(db_path), job_progress_seconds=0.01)
    with TestClient(create_app(settings)) as client:
        network_id = post_network(client, dataset="digits", batch_size=1)["id"]
        started = client.post(
            f"/api/networks/{network_id}/train", json={"steps": 100_000}
        ).json()
        job_id = started["job_id"]
        state = client.get(f"/api/networks/{network_id}").json()
        assert state["training_job"] == job_id
        for method, path, body in [
            ("POST", "step", {}),
            ("PATCH", "", {"learning_rate": 1}),
            ("POST", "reset", None),
            ("POST", "train", {"steps": 1}),
            ("DELETE", "", None),
        ]:
            url = f"/api/networks/{network_id}" + (f"/{path}" if path else "")
            response = client.request(method, url, json=body)
            assert response.status_code == 409, (method, path, response.text)
            assert job_id in response.json()["detail"]

        cancelled = client.delete(f"/api/networks/{network_id}/train/{job_id}")
        assert cancelled.status_code == 200, cancelled.text
        check_cancelled(client, network_id, wait_for_job(client, network_id, job_id))
        assert client.post(f"/api/networks/{network_id}/step").status_code == 200


def test_cancel_from_another_process(db_path: Path) -> None:
    # Two apps on one database file stand for two worker processes: the job
    # runs in one, and the cancel request reaches the other.
    settings = make_settings(db_path)
    with (
        TestClient(create_app(settings)) as runner,
        TestClient(create_app(settings)) as other,
    ):
        network_id = post_network(runner, dataset="digits", batch_size=1)["id"]
        started = runner.post(
            f"/api/networks/{network_id}/train", json={"steps": 100_000}
        ).json()
        time.sleep(0.3)

        cancelled = other.delete(
            f"/api/networks/{network_id}/train/{started['job_id']}"
        )

        assert cancelled.status_code == 200, cancelled.text
        check_cancelled(other, network_id, cancelled.json())
        assert other.post(f"/api/networks/{network_id}/undo").status_code == 200


def test_train_events_stream(client: TestClient) -> None:
    network_id = post_network(client)["id"]
    job = client.post(f"/api/networks/{network_id}/train", json={"epochs": 2}).json()
    with client.stream(
        "GET", f"/api/networks/{network_id}/train/{job['job_id']}/events"
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    events = [block for block in text.split("\n\n") if block.strip()]
    last = events[-1].split("\n")
    assert last[0] == "event: end"
    final = json.loads(last[1].removeprefix("data: "))
    assert final["status"] == "done"
    assert final["epochs"] == 2


def test_poll_with_epochs_from_returns_new_epochs(client: TestClient) -> None:
    network_id = post_network(client)["id"]
    job = client.post(f"/api/networks/{network_id}/train", json={"epochs": 5}).json()
    path = f"/api/networks/{network_id}/train/{job['job_id']}"
    full = wait_for_job(client, network_id, job["job_id"])
    assert len(full["per_epoch"]) == 5
    assert full["per_epoch_from"] == 0

    tail = client.get(path, params={"epochs_from": 3}).json()

    assert tail["per_epoch_from"] == 3
    assert tail["per_epoch"] == full["per_epoch"][3:]
    assert client.get(path, params={"epochs_from": 99}).json()["per_epoch"] == []
    assert client.get(path, params={"epochs_from": -1}).status_code == 422


def test_incremental_events_add_up_to_all_epochs(client: TestClient) -> None:
    network_id = post_network(client, batch_size=1)["id"]
    job = client.post(f"/api/networks/{network_id}/train", json={"epochs": 200}).json()
    path = f"/api/networks/{network_id}/train/{job['job_id']}"
    with client.stream("GET", f"{path}/events", params={"epochs_from": 0}) as response:
        text = "".join(response.iter_text())
    views = [
        json.loads(block.split("\n")[1].removeprefix("data: "))
        for block in text.split("\n\n")
        if block.strip()
    ]
    assert views[-1]["status"] == "done"
    # The job runs for about a second here, so progress events come before
    # the end event.
    assert len(views) >= 2
    # No event repeats an earlier one without new epochs or steps.
    steps = [view["steps_done"] for view in views[:-1]]
    assert steps == sorted(set(steps))

    # Each event continues where the one before ended, and together they
    # hold the job's whole list once.
    collected: list[dict[str, Any]] = []
    for view in views:
        assert view["per_epoch_from"] == len(collected)
        collected += view["per_epoch"]
    assert collected == client.get(path).json()["per_epoch"]
    assert len(collected) == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "steps"),
        ({"steps": 1, "epochs": 1}, "steps"),
        ({"steps": 0}, "steps"),
        ({"steps": 10**9}, "steps"),
        # Past the counters' room too, but the request's limit is named.
        ({"steps": 2**53 + 1}, "steps"),
        ({"epochs": 10**6}, "epochs"),
        ({"epochs": 2**60}, "epochs"),
        ({"steps": 2.5}, "steps"),
    ],
)
def test_train_rejects_invalid(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    state = post_network(client)
    response = client.post(f"/api/networks/{state['id']}/train", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert client.get(f"/api/networks/{state['id']}").json() == state


def test_unknown_job_is_404(client: TestClient) -> None:
    network_id = post_network(client)["id"]
    other_id = post_network(client)["id"]
    job = client.post(f"/api/networks/{other_id}/train", json={"steps": 1}).json()
    for path in ("missing", job["job_id"]):
        response = client.get(f"/api/networks/{network_id}/train/{path}")
        assert response.status_code == 404, response.text
        assert response.json()["field"] == "job_id"


def test_running_jobs_are_limited(db_path: Path) -> None:
    app = create_app(make_settings(db_path, max_running_jobs=1))
    with TestClient(app) as client:
        first = post_network(client, dataset="digits", batch_size=1)["id"]
        second = post_network(client)["id"]
        job = client.post(f"/api/networks/{first}/train", json={"steps": 100_000})
        assert job.status_code == 202
        response = client.post(f"/api/networks/{second}/train", json={"steps": 1})
        assert response.status_code == 429, response.text
        assert response.json()["limit"] == "max_running_jobs"
        client.delete(f"/api/networks/{first}/train/{job.json()['job_id']}")


def test_stopping_server_saves_running_job(db_path: Path) -> None:
    settings = make_settings(db_path)
    with TestClient(create_app(settings)) as client:
        network_id = post_network(client, dataset="digits", batch_size=1)["id"]
        job_id = client.post(
            f"/api/networks/{network_id}/train", json={"steps": 100_000}
        ).json()["job_id"]
        time.sleep(0.2)
    with TestClient(create_app(settings)) as client:
        job = client.get(f"/api/networks/{network_id}/train/{job_id}").json()
        state = client.get(f"/api/networks/{network_id}").json()
    assert job["status"] == "cancelled"
    assert job["steps_done"] > 0
    assert state["steps"] == job["steps_done"]
    assert state["training_job"] is None


def test_stale_job_releases_network(db_path: Path) -> None:
    """A job whose server died is failed and its network freed on next use."""
    settings = make_settings(db_path)
    with TestClient(create_app(settings)) as client:
        network_id = post_network(client)["id"]
    # Simulate a job left running by a process that no longer exists.
    from app.api.store.db import Database

    db = Database(db_path)
    with db.write() as conn:
        conn.execute(
            "INSERT INTO jobs (id, network_id, status, steps_done, steps_total, "
            "epochs_done, per_epoch, host, pid, owner, heartbeat, created_at) "
            "VALUES ('dead', ?, 'running', 0, 10, 0, '[]', 'elsewhere', 1, 'x', 0, 0)",
            (network_id,),
        )
        conn.execute(
            "UPDATE networks SET training_job = 'dead' WHERE id = ?", (network_id,)
        )
    db.close()
    with TestClient(create_app(settings)) as client:
        job = client.get(f"/api/networks/{network_id}/train/dead").json()
        assert job["status"] == "failed"
        assert client.post(f"/api/networks/{network_id}/step").status_code == 200


def test_diverging_job_fails_and_keeps_last_finite_state(client: TestClient) -> None:
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
    job = client.post(f"/api/networks/{network_id}/train", json={"steps": 50}).json()
    job = wait_for_job(client, network_id, job["job_id"])
    assert job["status"] == "failed"
    assert "diverged" in job["error"]
    assert 0 < job["steps_done"] < 50
    state = client.get(f"/api/networks/{network_id}").json()
    assert state["training_job"] is None
    for matrix in state["weights"]:
        assert all(isinstance(value, float) for row in matrix for value in row)
    # The network keeps no parameters whose cost overflowed, as Network.step
    # would not: the cost after the last step it kept is a finite number.
    assert isinstance(state["cost"]["train"], float), state["cost"]
    assert isinstance(state["cost"]["test"], float), state["cost"]
    # Here even the first steps overflow the cost, so the job keeps none.
    assert state["steps"] == 0
    assert client.get(f"/api/networks/{network_id}/history").json()["entries"] == []


def test_diverging_job_advice(client: TestClient) -> None:
    network_id = post_network(
        client,
        dataset="xor",
        hidden_activation="identity",
        output_activation="identity",
        learning_rate=1e6,
    )["id"]
    job = client.post(f"/api/networks/{network_id}/train", json={"epochs": 5}).json()
    job = wait_for_job(client, network_id, job["job_id"])
    assert job["status"] == "failed"
    assert job["error"].endswith("; try a smaller learning rate"), job["error"]


def test_first_step_divergence_advice(client: TestClient) -> None:
    # z = M x1 + M x2 overflows to infinity, while sigmoid keeps the cost
    # finite, so the job starts from a finite cost and fails in its first
    # step before any update.
    largest = 1.7976931348623157e308
    network_id = post_network(
        client,
        sizes=[2, 2, 2],
        weights=[[[largest, largest], [largest, largest]], [[1, 1], [1, 1]]],
        biases=[[0, 0], [0, 0]],
    )["id"]
    job = client.post(f"/api/networks/{network_id}/train", json={"steps": 5}).json()
    job = wait_for_job(client, network_id, job["job_id"])
    assert job["status"] == "failed"
    assert "before the update" in job["error"]
    assert "learning rate of this step played no part" in job["error"]
    assert "try a smaller learning rate" not in job["error"]


@pytest.mark.parametrize("body", [{"steps": 1}, {"epochs": 2}])
def test_infinite_start_cost_advice(client: TestClient, body: dict[str, int]) -> None:
    # Targets near 1e200 make the quadratic cost (a - y)^2 / 2 overflow before
    # any step, whatever the learning rate.
    rows = "".join(f"{i / 10},{1.5e200 * (i / 7 + 0.1)}\n" for i in range(30))
    upload = client.post(
        "/api/datasets",
        files={"file": ("huge.csv", f"x,y\n{rows}".encode())},
        data={"target": "y"},
    )
    assert upload.status_code == 201, upload.text
    network_id = post_network(
        client,
        dataset=upload.json()["id"],
        sizes=[1, 3, 1],
        output_activation="identity",
        learning_rate=1e-3,
    )["id"]
    job = client.post(f"/api/networks/{network_id}/train", json=body).json()
    job = wait_for_job(client, network_id, job["job_id"])
    assert job["status"] == "failed"
    assert "smaller learning rate will not help" in job["error"], job["error"]
    assert "try a smaller learning rate" not in job["error"]
    assert client.get(f"/api/networks/{network_id}").json()["steps"] == 0


def test_stale_job_checkpoint_becomes_history(db_path: Path) -> None:
    """Undo after a lost job returns to its last checkpoint, not before the job."""
    settings = make_settings(db_path)
    with TestClient(create_app(settings)) as client:
        network_id = post_network(client, dataset="xor", sizes=[2, 3, 2])["id"]
        assert client.post(f"/api/networks/{network_id}/step").status_code == 200
        document = client.get(f"/api/networks/{network_id}/export").json()
    del document["dataset"], document["dataset_options"]
    checkpoint = Network.from_document(document)
    data = load_builtin("xor")
    checkpoint.train_steps(data.x_train, data.y_train, 7)
    # What a job's checkpoint leaves behind when its process dies.
    from app.api.store import networks as network_store
    from app.api.store.db import Database

    db = Database(db_path)
    with db.write() as conn:
        network_store.save_document(conn, network_id, checkpoint.to_document(), 1.0)
        conn.execute(
            "INSERT INTO jobs (id, network_id, status, steps_done, steps_total, "
            "epochs_done, per_epoch, host, pid, owner, heartbeat, created_at) "
            "VALUES ('dead', ?, 'running', 7, 100, 0, '[]', 'elsewhere', 1, 'x', 0, 0)",
            (network_id,),
        )
        conn.execute(
            "UPDATE networks SET training_job = 'dead' WHERE id = ?", (network_id,)
        )
    db.close()
    with TestClient(create_app(settings)) as client:
        path = f"/api/networks/{network_id}"
        entries = client.get(f"{path}/history").json()["entries"]
        assert [entry["kind"] for entry in entries] == ["step", "train"]
        assert entries[-1]["steps"] == 8
        assert client.post(f"{path}/step").status_code == 200
        undone = client.post(f"{path}/undo").json()
        assert undone["steps"] == 8
        assert undone["weights"] == [w.tolist() for w in checkpoint.weights]
        # A second restart adds no second entry for the same checkpoint.
    with TestClient(create_app(settings)) as client:
        entries = client.get(f"{path}/history").json()["entries"]
        assert [entry["kind"] for entry in entries] == ["step", "train"]


def test_job_keeping_no_step_adds_no_history(client: TestClient) -> None:
    body = {
        "dataset": "line",
        "sizes": [1, 1],
        "output_activation": "identity",
        "learning_rate": 1e6,
        "batch_size": 1,
    }
    network_id = post_network(client, **body)["id"]
    path = f"/api/networks/{network_id}"
    for _ in range(2):
        assert client.post(f"{path}/step").status_code == 200
    before = client.get(f"{path}/export").json()
    job = client.post(f"{path}/train", json={"steps": 30}).json()
    job = wait_for_job(client, network_id, job["job_id"])
    assert job["status"] == "failed"
    assert "kept its parameters from before the job (step 2)" in job["error"]
    assert job["history_id"] is None
    assert client.get(f"{path}/export").json() == before
    entries = client.get(f"{path}/history").json()["entries"]
    assert [entry["kind"] for entry in entries] == ["step", "step"]
    undone = client.post(f"{path}/undo").json()
    assert undone["steps"] == 1


def test_job_falling_back_an_epoch_says_so(client: TestClient) -> None:
    # Epoch 1 ends with a huge but finite cost; epoch 2 overflows it.
    body = {
        "dataset": "sine",
        "sizes": [1, 8, 1],
        "hidden_activation": "relu",
        "output_activation": "identity",
        "learning_rate": 1e6,
        "batch_size": 7,
    }
    network_id = post_network(client, **body)["id"]
    path = f"/api/networks/{network_id}"
    job = client.post(f"{path}/train", json={"epochs": 3}).json()
    job = wait_for_job(client, network_id, job["job_id"])
    assert job["status"] == "failed"
    assert "the last epoch with a finite cost" in job["error"]
    state = client.get(path).json()
    assert state["epochs"] == 1
    assert state["steps"] < job["steps_done"]
    entries = client.get(f"{path}/history").json()["entries"]
    assert len(entries) == 1
    assert entries[0]["steps"] == state["steps"]
    expected = (
        f"trained {job['steps_done']} SGD steps (failed), "
        f"kept the first {state['steps']}"
    )
    assert entries[0]["summary"] == expected
