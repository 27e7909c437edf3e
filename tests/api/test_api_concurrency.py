"""Simultaneous changes of one network: serialised, none lost.

Threads share one app (one process); the process test runs two apps in two
processes on one database file, like two uvicorn workers.
"""

import multiprocessing
import threading
from pathlib import Path

import pytest
from api_helpers import make_settings, post_network
from fastapi.testclient import TestClient

from app.api.main import create_app
from app.datasets import load_builtin
from app.engine import Network, NetworkConfig

THREADS = 8
STEPS_PER_THREAD = 5


def serial_replay(steps: int, **config: object) -> Network:
    dataset = load_builtin("xor")
    network = Network(NetworkConfig(sizes=(2, 4, 2), **config))  # type: ignore[arg-type]
    for _ in range(steps):
        network.step_next_batch(dataset.x_train, dataset.y_train)
    return network


def test_threads_stepping_one_network(client: TestClient) -> None:
    network_id = post_network(client, seed=12, batch_size=3)["id"]
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        barrier.wait()
        for _ in range(STEPS_PER_THREAD):
            response = client.post(f"/api/networks/{network_id}/step")
            with lock:
                statuses.append(response.status_code)

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    total = THREADS * STEPS_PER_THREAD
    assert statuses == [200] * total
    state = client.get(f"/api/networks/{network_id}").json()
    assert state["steps"] == total
    assert state["history_length"] == total
    expected = serial_replay(total, seed=12, batch_size=3)
    assert state["weights"] == [w.tolist() for w in expected.weights]
    assert state["biases"] == [b.tolist() for b in expected.biases]
    assert state["examples_seen"] == expected.examples_seen


def test_threads_editing_different_weights(client: TestClient) -> None:
    network_id = post_network(client, sizes=[2, 4, 2])["id"]

    def set_row(j: int) -> None:
        for k in range(2):
            response = client.put(
                f"/api/networks/{network_id}/weights/1/{j}/{k}",
                json={"value": 10 * j + k},
            )
            assert response.status_code == 200, response.text

    threads = [threading.Thread(target=set_row, args=(j,)) for j in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    weights = client.get(f"/api/networks/{network_id}").json()["weights"][0]
    assert weights == [[10.0 * j + k for k in range(2)] for j in range(4)]


def _step_in_process(db_path: str, network_id: str, steps: int) -> None:
    app = create_app(make_settings(Path(db_path)))
    with TestClient(app) as client:
        for _ in range(steps):
            response = client.post(f"/api/networks/{network_id}/step")
            assert response.status_code == 200, response.text


@pytest.mark.slow
def test_processes_stepping_one_network(db_path: Path) -> None:
    with TestClient(create_app(make_settings(db_path))) as client:
        network_id = post_network(client, seed=13)["id"]
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_step_in_process, args=(str(db_path), network_id, 10))
        for _ in range(3)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    assert [process.exitcode for process in processes] == [0, 0, 0]
    with TestClient(create_app(make_settings(db_path))) as client:
        state = client.get(f"/api/networks/{network_id}").json()
    assert state["steps"] == 30
    expected = serial_replay(30, seed=13)
    assert state["weights"] == [w.tolist() for w in expected.weights]
