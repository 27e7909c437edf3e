"""max_database_bytes: old history is cut so that the database stops growing."""

import logging
from pathlib import Path

import pytest
from api_helpers import make_settings, post_network
from fastapi.testclient import TestClient

from app.api.main import create_app
from app.api.store.budget import used_bytes

MAX_DATABASE_BYTES = 600_000


def history_steps(client: TestClient, network_id: str) -> list[int]:
    response = client.get(f"/api/networks/{network_id}/history")
    assert response.status_code == 200, response.text
    return [entry["steps"] for entry in response.json()["entries"]]


def test_budget_cuts_oldest_histories(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path / "budget.sqlite3", max_database_bytes=MAX_DATABASE_BYTES
    )
    app = create_app(settings)
    with TestClient(app) as client:
        ids = [
            post_network(client, dataset="digits", sizes=[64, 30, 10])["id"]
            for _ in range(3)
        ]
        weights_at_20 = {}
        for network_id in ids:
            for _ in range(20):
                response = client.post(f"/api/networks/{network_id}/step")
                assert response.status_code == 200, response.text
            state = client.get(f"/api/networks/{network_id}").json()
            weights_at_20[network_id] = state["weights"]

        conn = app.state.services.db.connection()
        assert used_bytes(conn) <= MAX_DATABASE_BYTES

        oldest, newest = ids[0], ids[-1]
        # 20 snapshots of a 64-30-10 network do not fit three times over, so
        # the network used longest ago keeps only its newest entry, and the
        # newest network keeps more.
        assert history_steps(client, oldest) == [20]
        assert len(history_steps(client, newest)) > 1

        # Undo still goes back one step on a cut history.
        client.post(f"/api/networks/{oldest}/step")
        undone = client.post(f"/api/networks/{oldest}/undo")
        assert undone.status_code == 200, undone.text
        assert undone.json()["steps"] == 20
        assert undone.json()["weights"] == weights_at_20[oldest]


def test_no_cut_under_the_limit(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path / "roomy.sqlite3"))
    with TestClient(app) as client:
        network_id = post_network(client, dataset="digits")["id"]
        for _ in range(20):
            assert client.post(f"/api/networks/{network_id}/step").status_code == 200
        assert history_steps(client, network_id) == list(range(1, 21))


def test_nothing_to_cut_warns_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path / "full.sqlite3", max_database_bytes=4096)
    app = create_app(settings)
    with TestClient(app) as client:
        for _ in range(2):
            network_id = post_network(client)["id"]
            client.post(f"/api/networks/{network_id}/step")
        services = app.state.services
        conn = services.db.connection()
        budget = services.networks._budget
        with caplog.at_level(logging.WARNING, logger="app.api.store.budget"):
            for _ in range(3):
                assert budget.cut(conn) == []
    warnings = [r for r in caplog.records if r.name == "app.api.store.budget"]
    assert len(warnings) == 1
    assert "no history has more than one entry" in warnings[0].getMessage()
