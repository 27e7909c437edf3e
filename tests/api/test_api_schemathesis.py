"""Schemathesis: generated requests against the OpenAPI schema of the app.

Every operation gets generated requests. Where a path has a network id, the
id of a real network is put in, so that requests reach the handlers instead
of stopping at 404. Checked: no 5xx response, and every response matches
the schema documented for its status code.
"""

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from app.api.main import create_app
from app.settings import Limits, Settings

# Small enough that generated training jobs end quickly.
MAX_TRAIN_STEPS = 50


@pytest.fixture(scope="module")
def schemathesis_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    db_path = tmp_path_factory.mktemp("schemathesis") / "backprop-viz.sqlite3"
    limits = Limits(max_train_steps=MAX_TRAIN_STEPS, max_networks=100)
    return create_app(Settings(db_path=db_path, limits=limits))


@pytest.fixture(scope="module")
def network_id(schemathesis_app: FastAPI) -> str:
    # No `with`: the app's lifespan is left to Schemathesis's own client.
    client = TestClient(schemathesis_app)
    response = client.post("/api/networks", json={"dataset": "xor"})
    assert response.status_code == 201, response.text
    network: str = response.json()["id"]
    return network


@pytest.fixture(scope="module")
def api_schema(schemathesis_app: FastAPI) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", schemathesis_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_schema(case: schemathesis.Case, network_id: str) -> None:
    if case.path_parameters and "network_id" in case.path_parameters:
        case.path_parameters["network_id"] = network_id
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
