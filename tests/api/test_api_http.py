"""HTTP behaviour shared by all routes: page, static files, errors, JSON, limits."""

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from api_helpers import make_settings, post_network
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.api.main import create_app
from app.api.responses import ApiJSONResponse, dumps


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_head_of_page_and_health_check(client: TestClient) -> None:
    for path, media_type in [("/healthz", "application/json"), ("/", "text/html")]:
        response = client.head(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith(media_type)


def test_index_page_and_static_files(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    plotly = client.get("/static/vendor/plotly.min.js")
    assert plotly.status_code == 200
    assert b"plotly" in plotly.content[:2000].lower()
    missing = client.get("/static/no-such-file.js")
    assert missing.status_code == 404


def test_unknown_route_and_method_are_json(client: TestClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["field"] is None
    response = client.put("/api/networks")
    assert response.status_code == 405
    assert "detail" in response.json()


def test_body_without_json_type_named(client: TestClient) -> None:
    for headers in ({"content-type": "text/plain"}, {}):
        response = client.post(
            "/api/networks", content=b'{"dataset": "xor"}', headers=headers
        )
        assert response.status_code == 422, headers
        assert "Content-Type: application/json" in response.json()["detail"]


def test_upload_as_plain_field_named(client: TestClient) -> None:
    response = client.post(
        "/api/datasets", files={"file": (None, "x,y\n1,2\n")}, data={"target": "y"}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "file"
    assert "with a filename" in response.json()["detail"]


def test_request_id_header(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    generated = client.get("/healthz").headers["x-request-id"]
    assert len(generated) == 16


def test_body_size_limit(db_path: Path) -> None:
    app = create_app(make_settings(db_path, max_body_bytes=1000))
    with TestClient(app) as client:
        body = b'{"dataset": "xor", "sizes": [' + b"2, " * 600 + b"2]}"
        response = client.post(
            "/api/networks",
            content=body,
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 413, response.text
        assert response.json()["limit"] == "max_body_bytes"

        def chunks():  # type: ignore[no-untyped-def]
            yield b'{"dataset": "xor", "seed": '
            yield b" " * 2000
            yield b"1}"

        streamed = client.post(
            "/api/networks",
            content=chunks(),
            headers={"content-type": "application/json"},
        )
        assert streamed.status_code == 413, streamed.text
        assert streamed.json()["limit"] == "max_body_bytes"


def test_non_finite_numbers_are_strings() -> None:
    content = {
        "scalar": math.inf,
        "array": np.array([[1.0, np.nan], [-np.inf, 2.0]]),
        "list": [np.float64("nan"), 1],
        "ints": np.arange(3),
    }
    body = orjson.loads(ApiJSONResponse(content).body)
    assert body == {
        "scalar": "Infinity",
        "array": [[1.0, "NaN"], ["-Infinity", 2.0]],
        "list": ["NaN", 1],
        "ints": [0, 1, 2],
    }


def test_overflowing_sum_stays_numbers() -> None:
    big = np.array([1.7e308, 1.7e308, -0.0])
    opposite = np.array([[np.inf, -np.inf]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        body = orjson.loads(dumps({"big": big, "opposite": opposite}))
    assert body == {
        "big": [1.7e308, 1.7e308, -0.0],
        "opposite": [["Infinity", "-Infinity"]],
    }
    assert math.copysign(1.0, body["big"][2]) == -1.0


def test_large_state_serialises_exactly() -> None:
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((30, 784)), rng.standard_normal((10, 30))]
    body = orjson.loads(dumps({"weights": weights}))
    assert body["weights"][0] == weights[0].tolist()
    assert body["weights"][1] == weights[1].tolist()


def test_whole_numbers_accepted_for_floats(client: TestClient) -> None:
    state = post_network(client, learning_rate=2, l2=0, momentum=0, leaky_slope=0)
    assert state["config"]["learning_rate"] == 2.0
    response = client.post(
        f"/api/networks/{state['id']}/forward", json={"input": [1, 0], "target": [0, 1]}
    )
    assert response.status_code == 200, response.text


def _has_example(schema: dict[str, Any], media: dict[str, Any]) -> bool:
    if "example" in media or "examples" in media:
        return True
    ref = media.get("schema", {}).get("$ref")
    if ref is None:
        return False
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return "examples" in component


def test_openapi_documents_examples_and_limits(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "max_parameters" in schema["info"]["description"]
    assert "layer 0" in schema["info"]["description"]
    assert "s'(0) = 0 for ReLU" in schema["info"]["description"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            where = (method, path)
            assert "422" in operation["responses"], where
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                if "schema" in media and "$ref" in media["schema"]:
                    assert _has_example(schema, media), where
            for status, response in operation["responses"].items():
                if not status.startswith("2"):
                    continue
                for media in response.get("content", {}).values():
                    assert _has_example(schema, media), (*where, status)


def test_unexpected_error_is_json_500(app: FastAPI) -> None:
    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/broken", headers={"X-Request-ID": "req-1"})
    assert response.status_code == 500
    body = response.json()
    assert body["field"] is None
    assert body["request_id"] == "req-1"
    assert "a bug" not in body["detail"]
