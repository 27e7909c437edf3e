"""Data set listing, description, example pages and CSV uploads."""

from pathlib import Path
from typing import Any

import pytest
from api_helpers import make_settings, post_network
from fastapi.testclient import TestClient

from app.api.main import create_app
from app.datasets import BUILTIN_NAMES, load_builtin

CSV = b"a,b,label\n" + b"".join(
    f"{i % 7},{(i * 3) % 5},{'yes' if i % 2 else 'no'}\n".encode() for i in range(40)
)


def upload(client: TestClient, data: bytes = CSV, **form: Any) -> Any:
    form.setdefault("target", "label")
    return client.post(
        "/api/datasets", files={"file": ("points.csv", data, "text/csv")}, data=form
    )


def test_list_builtin(client: TestClient) -> None:
    response = client.get("/api/datasets")
    assert response.status_code == 200
    names = [entry["name"] for entry in response.json()["datasets"]]
    assert names == list(BUILTIN_NAMES)


def test_describe_with_options(client: TestClient) -> None:
    response = client.get(
        "/api/datasets/moons", params={"samples": 50, "test_fraction": 0.5}
    )
    assert response.status_code == 200, response.text
    expected = load_builtin("moons", samples=50, test_fraction=0.5).describe()
    assert response.json() == expected


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("/api/datasets/nope", {}, 404, "name"),
        ("/api/datasets/xor", {"samples": 1}, 422, "samples"),
        ("/api/datasets/xor", {"noise": "loud"}, 422, "noise"),
        ("/api/datasets/iris", {"samples": 10}, 422, "samples"),
        ("/api/datasets/digits", {"noise": 0.5}, 422, "noise"),
        ("/api/datasets/xor/examples", {"limit": 10**6}, 422, "limit"),
        ("/api/datasets/xor/examples", {"split": "dev"}, 422, "split"),
        ("/api/datasets/xor/examples", {"offset": -1}, 422, "offset"),
    ],
)
def test_dataset_errors(
    client: TestClient, path: str, params: dict[str, Any], status: int, field: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field


def test_examples_page(client: TestClient) -> None:
    response = client.get(
        "/api/datasets/iris/examples", params={"split": "test", "offset": 5, "limit": 3}
    )
    assert response.status_code == 200, response.text
    page = response.json()
    dataset = load_builtin("iris")
    assert page["total"] == dataset.n_test
    assert [example["index"] for example in page["examples"]] == [5, 6, 7]
    assert page["examples"][0]["input"] == dataset.x_test[5].tolist()
    assert page["examples"][0]["target"] == dataset.y_test[5].tolist()
    assert page["examples"][0]["label"] == int(dataset.labels("test")[5])
    beyond = client.get("/api/datasets/iris/examples", params={"offset": 10_000}).json()
    assert beyond["examples"] == []


def test_regression_examples_have_no_label(client: TestClient) -> None:
    page = client.get("/api/datasets/sine/examples", params={"limit": 2}).json()
    assert [example["label"] for example in page["examples"]] == [None, None]


def test_upload_and_train_on_it(client: TestClient) -> None:
    response = upload(client, test_fraction=0.25, seed=3)
    assert response.status_code == 201, response.text
    described = response.json()
    assert len(described["id"]) >= 22
    assert described["task"] == "classification"
    assert described["n_inputs"] == 2
    assert described["n_train"] + described["n_test"] == 40
    assert (
        client.get(f"/api/datasets/{described['id']}").json()["id"] == described["id"]
    )
    state = post_network(client, dataset=described["id"])
    assert state["config"]["sizes"] == [2, 4, 2]
    assert state["dataset"] == described["id"]
    assert state["dataset_options"]["test_fraction"] == 0.25
    step = client.post(f"/api/networks/{state['id']}/step")
    assert step.status_code == 200, step.text
    listed = [entry["name"] for entry in client.get("/api/datasets").json()["datasets"]]
    assert described["id"] not in listed


@pytest.mark.parametrize(
    ("dataset", "options", "field"),
    [
        ("iris", {"samples": 10}, "dataset_options.samples"),
        ("digits", {"noise": 0.5}, "dataset_options.noise"),
    ],
)
def test_fixed_examples_reject_generator_options(
    client: TestClient, dataset: str, options: dict[str, Any], field: str
) -> None:
    response = client.post(
        "/api/networks", json={"dataset": dataset, "dataset_options": options}
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert "examples are fixed" in response.json()["detail"]


def test_cost_unsuited_to_targets_names_cost(client: TestClient) -> None:
    rows = "".join(f"{i / 10},{i * 0.25}\n" for i in range(30))
    upload_id = client.post(
        "/api/datasets",
        files={"file": ("r.csv", f"x,y\n{rows}".encode())},
        data={"target": "y"},
    ).json()["id"]
    response = client.post(
        "/api/networks", json={"dataset": upload_id, "cost": "cross_entropy"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "cost"
    assert "does not suit the data set" in response.json()["detail"]
    assert "lie in [0, 1]" in response.json()["detail"]


def test_upload_rejects_other_split_options(client: TestClient) -> None:
    upload_id = upload(client, test_fraction=0.25, seed=3).json()["id"]
    changed = {"test_fraction": 0.5, "seed": 3}
    response = client.post(
        "/api/networks", json={"dataset": upload_id, "dataset_options": changed}
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "dataset_options.test_fraction"
    # The upload's own options are accepted, as its description lists them
    # and as an export carries them. So is an empty object.
    described = client.get(f"/api/datasets/{upload_id}").json()["options"]
    own = {key: described[key] for key in ("seed", "samples", "test_fraction")}
    assert own["samples"] == 40
    post_network(client, dataset=upload_id, dataset_options=own)
    post_network(client, dataset=upload_id, dataset_options={})
    same = {"test_fraction": 0.25, "seed": 3}
    state = post_network(client, dataset=upload_id, dataset_options=same)
    exported = client.get(f"/api/networks/{state['id']}/export").json()
    imported = client.post("/api/networks/import", json=exported)
    assert imported.status_code == 201, imported.text


@pytest.mark.parametrize(
    ("data", "form", "field"),
    [
        (b"a,b,label\n1,2,x\n3,oops,y\n", {}, "file"),
        (CSV, {"target": "missing"}, "target"),
        (b"", {}, "file"),
        (b"\xff\xfe\x00", {}, "file"),
        (CSV, {"test_fraction": 2}, "test_fraction"),
    ],
)
def test_upload_rejects_invalid(
    client: TestClient, data: bytes, form: dict[str, Any], field: str
) -> None:
    response = upload(client, data, **form)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_upload_error_names_row_and_column(client: TestClient) -> None:
    response = upload(client, b"a,b,label\n1,2,x\n3,oops,y\n")
    assert response.status_code == 422, response.text
    assert response.json()["row"] == 3
    assert response.json()["column"] == "b"


def test_upload_without_file(client: TestClient) -> None:
    response = client.post("/api/datasets", data={"target": "label"})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "file"


def test_upload_size_limit(db_path: Path) -> None:
    app = create_app(make_settings(db_path, max_upload_bytes=100))
    with TestClient(app) as client:
        response = upload(client)
    assert response.status_code == 413, response.text
    assert response.json()["limit"] == "max_upload_bytes"


@pytest.mark.parametrize(
    ("limits", "limit", "maximum"),
    [
        ({"max_upload_rows": 10}, "max_upload_rows", 10),
        ({"max_upload_columns": 2}, "max_upload_columns", 2),
    ],
)
def test_upload_row_column_limits_named(
    db_path: Path, limits: dict[str, int], limit: str, maximum: int
) -> None:
    app = create_app(make_settings(db_path, **limits))
    with TestClient(app) as client:
        response = upload(client)
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["limit"], body["maximum"]) == (limit, maximum)
    assert limit in body["detail"]
    assert f"limit of {maximum}" in body["detail"]


def test_uploads_in_use_do_not_expire(db_path: Path) -> None:
    app = create_app(make_settings(db_path, max_datasets=1))
    with TestClient(app) as client:
        first = upload(client).json()["id"]
        post_network(client, dataset=first)
        response = upload(client)
        assert response.status_code == 409, response.text
        assert response.json()["limit"] == "max_datasets"
        assert client.get(f"/api/datasets/{first}").status_code == 200


def test_empty_test_split_explained(client: TestClient) -> None:
    response = upload(client, test_fraction=0)
    assert response.status_code == 201, response.text
    assert response.json()["n_test"] == 0
    network_id = post_network(client, dataset=response.json()["id"])["id"]

    response = client.post(
        f"/api/networks/{network_id}/forward", json={"split": "test", "index": 0}
    )

    assert response.status_code == 422, response.text
    assert response.json()["field"] == "index"
    assert response.json()["detail"].endswith("is empty")
