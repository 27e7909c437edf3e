"""Helpers shared by the API tests (fixtures are in conftest.py)."""

import dataclasses
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.settings import Limits, Settings


def make_settings(db_path: Path, **limits: int) -> Settings:
    return Settings(db_path=db_path, limits=dataclasses.replace(Limits(), **limits))


def post_network(client: TestClient, **body: Any) -> dict[str, Any]:
    """POST /api/networks and return the state, failing on any status but 201."""
    body.setdefault("dataset", "xor")
    response = client.post("/api/networks", json=body)
    assert response.status_code == 201, response.text
    state: dict[str, Any] = response.json()
    return state
