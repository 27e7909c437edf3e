"""Fixtures: an app on a temporary SQLite database, and a client for it."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_helpers import make_settings
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.api.main import create_app
from app.settings import Settings


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "backprop-viz.sqlite3"


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return make_settings(db_path)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client
