"""Setting up a network in the page: the form, the shared link, CSV upload,
JSON export and import, and the self-contained HTML report."""

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from page_driver import PageDriver
from page_guard import PageGuard
from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

CSV_TEXT = "x1,x2,label\n" + "".join(
    f"{i / 40:.3f},{(i * 7 % 40) / 40:.3f},{'yes' if i % 3 else 'no'}\n"
    for i in range(40)
)


def test_layer_note_on_page(driver: PageDriver) -> None:
    driver.open()
    note = driver.page.inner_text("#layer-note")
    assert "layer 0" in note
    assert "layer 1 in Nielsen's book" in note


def test_form_creates_network(driver: PageDriver, api: httpx.Client) -> None:
    driver.open("dataset=xor&sizes=2-4-2&seed=1")
    first_id = driver.network_id()
    driver.click("#add-layer")
    driver.page.click("#layers li[data-hidden='0'] button[data-action='plus']")
    driver.page.select_option("#hidden-activation", "tanh")
    driver.page.select_option("#init", "scaled")
    driver.page.fill("#learning-rate", "0.5")
    driver.page.fill("#seed", "7")
    driver.click("#apply-setup")

    network = api.get(f"/api/networks/{driver.network_id()}").json()
    assert network["id"] != first_id
    config = network["config"]
    assert config["sizes"] == [2, 5, 4, 2]
    assert config["hidden_activation"] == "tanh"
    assert config["init"] == "scaled"
    assert config["learning_rate"] == 0.5
    assert config["seed"] == 7
    query = parse_qs(urlsplit(driver.page.url).query)
    assert query["sizes"] == ["2-5-4-2"]
    assert query["hidden"] == ["tanh"]
    driver.screenshot("setup-four-layers")


def test_learning_rate_change_patches(driver: PageDriver, api: httpx.Client) -> None:
    driver.open("dataset=xor&sizes=2-4-2&seed=1")
    network_id = driver.network_id()
    driver.page.fill("#learning-rate", "1.25")
    driver.page.fill("#batch-size", "4")
    driver.click("#apply-setup")
    assert driver.network_id() == network_id
    config = api.get(f"/api/networks/{network_id}").json()["config"]
    assert config["learning_rate"] == 1.25
    assert config["batch_size"] == 4


def test_link_recreates_setup(
    driver: PageDriver, browser: Browser, base_url: str, api: httpx.Client
) -> None:
    driver.open("dataset=moons&sizes=2-6-2&seed=4&eta=0.75&batch=5")
    address = urlsplit(driver.page.url)
    assert address.fragment == f"network={driver.network_id()}"
    # A link without the network's id, as "Copy link" gives.
    link = address._replace(fragment="").geturl()
    original = api.get(f"/api/networks/{driver.network_id()}").json()

    # The link opened in a fresh page builds an equal network.
    context = browser.new_context()
    other = context.new_page()
    other.goto(link)
    other.wait_for_selector("body[data-ready=true]")
    copy_id = other.evaluate("() => window.backpropViz.state.network.id")
    context.close()
    copy = api.get(f"/api/networks/{copy_id}").json()
    assert copy_id != original["id"]
    assert copy["dataset"] == "moons"
    assert copy["config"] == original["config"]
    assert copy["weights"] == original["weights"]
    assert copy["biases"] == original["biases"]


def test_csv_upload_used_by_network(
    driver: PageDriver, api: httpx.Client, tmp_path: Path
) -> None:
    path = tmp_path / "points.csv"
    path.write_text(CSV_TEXT)
    driver.open()
    driver.page.click("#upload summary")
    driver.page.set_input_files("#csv-file", str(path))
    driver.page.fill("#csv-target", "label")
    driver.click("#csv-upload")
    driver.click("#apply-setup")
    network = api.get(f"/api/networks/{driver.network_id()}").json()
    dataset = api.get(f"/api/datasets/{network['dataset']}").json()
    assert dataset["n_train"] + dataset["n_test"] == 40
    assert network["config"]["sizes"][0] == 2
    assert network["config"]["sizes"][-1] == 2
    driver.screenshot("setup-uploaded-csv")


def test_json_export_import(
    driver: PageDriver, api: httpx.Client, tmp_path: Path
) -> None:
    driver.open("dataset=xor&sizes=2-3-2&seed=2")
    driver.click("#batch-step")
    network_id = driver.network_id()
    with driver.page.expect_download() as download_info:
        driver.page.click("#export-json")
    path = tmp_path / "network.json"
    download_info.value.save_as(path)
    document = json.loads(path.read_text())
    assert document == api.get(f"/api/networks/{network_id}/export").json()
    driver.page.fill("#example-input", "0.5, abc")
    driver.click("#example-load")
    assert len(error_texts(driver)) == 1

    driver.page.set_input_files("#import-json", str(path))
    driver.idle()
    # The error was about the old network, so the import clears it.
    assert error_texts(driver) == []
    imported_id = driver.network_id()
    assert imported_id != network_id
    original = api.get(f"/api/networks/{network_id}").json()
    imported = api.get(f"/api/networks/{imported_id}").json()
    assert imported["weights"] == original["weights"]
    assert imported["steps"] == original["steps"]


def test_report_is_self_contained(
    driver: PageDriver, browser: Browser, tmp_path: Path
) -> None:
    driver.open("dataset=xor&sizes=2-3-2&seed=2")
    driver.click("#batch-step")
    with driver.page.expect_download() as download_info:
        driver.page.click("#export-report")
    path = tmp_path / "report.html"
    download_info.value.save_as(path)
    html = path.read_text()
    assert "<script src" not in html
    assert "<link" not in html
    assert "layer 0" in html
    # Each figure has a title, and the network's names the stage it shows,
    # without the page's instruction to press Next.
    caption = driver.page.inner_html("#caption")
    assert "Press Next" in caption
    kept = caption.split(" Press Next")[0]
    assert f"<h2>Network at the stage shown</h2><p>{kept}</p>" in html
    assert "Press Next" not in html
    assert "<h2>Cost and accuracy during training</h2>" in html
    # History rows are numbered from 1, not by database id.
    assert "<tr><td>1</td><td>step</td><td>1</td>" in html

    # Opened with every network request blocked, it still draws its figures.
    context = browser.new_context()
    requests: list[str] = []
    context.route(
        "**/*", lambda route: (requests.append(route.request.url), route.abort())
    )
    report = context.new_page()
    errors: list[str] = []
    report.on("pageerror", lambda error: errors.append(str(error)))
    report.set_content(html)
    report.wait_for_selector(".js-plotly-plot")
    plots = report.locator(".js-plotly-plot").count()
    context.close()
    assert plots == 3
    assert requests == []
    assert errors == []


def test_report_of_imported_network_explains_empty_history(
    driver: PageDriver, api: httpx.Client, tmp_path: Path
) -> None:
    created = api.post("/api/networks", json={"dataset": "xor"}).json()
    document = api.get(f"/api/networks/{created['id']}/export").json()
    imported = api.post("/api/networks/import", json=document).json()
    driver.open(f"dataset=xor#network={imported['id']}")
    assert driver.network_id() == imported["id"]
    with driver.page.expect_download() as download_info:
        driver.page.click("#export-report")
    path = tmp_path / "report.html"
    download_info.value.save_as(path)
    assert "An imported network starts with an empty history." in path.read_text()


def test_report_accuracy_as_percent(
    driver: PageDriver, api: httpx.Client, tmp_path: Path
) -> None:
    driver.open("dataset=xor&sizes=2-3-2&seed=2")
    network = api.get(f"/api/networks/{driver.network_id()}").json()
    with driver.page.expect_download() as download_info:
        driver.page.click("#export-report")
    path = tmp_path / "report.html"
    download_info.value.save_as(path)
    html = path.read_text()
    train = f"{100 * network['accuracy']['train']:.1f} %"
    test = f"{100 * network['accuracy']['test']:.1f} %"
    assert f"<td>{train} / {test}</td>" in html
    shown = driver.page.inner_text("#counters")
    assert train in shown


def test_copy_link_copies_address(driver: PageDriver, base_url: str) -> None:
    driver.page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=base_url
    )
    driver.open("dataset=circles&sizes=2-5-2&seed=9")
    driver.page.click("#copy-link")
    driver.page.wait_for_selector(".message.info")
    copied = driver.page.evaluate("() => navigator.clipboard.readText()")
    # The address without its #network=ID, so the link makes a new network.
    assert copied == driver.page.url.split("#")[0]
    assert "#" not in copied
    query = parse_qs(urlsplit(copied).query)
    assert query["dataset"] == ["circles"]
    assert query["sizes"] == ["2-5-2"]
    assert query["seed"] == ["9"]


def error_texts(driver: PageDriver) -> list[str]:
    return driver.page.locator(".message.error > span").all_inner_texts()


def test_address_follows_patch(driver: PageDriver, base_url: str) -> None:
    driver.page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=base_url
    )
    driver.open("dataset=xor&sizes=2-4-2&seed=1")
    network_id = driver.network_id()
    driver.page.fill("#learning-rate", "0.5")
    driver.page.fill("#batch-size", "7")
    driver.click("#apply-setup")
    assert driver.network_id() == network_id
    query = parse_qs(urlsplit(driver.page.url).query)
    assert query["eta"] == ["0.5"]
    assert query["batch"] == ["7"]

    driver.page.click("#copy-link")
    driver.page.wait_for_selector(".message.info")
    copied = driver.page.evaluate("() => navigator.clipboard.readText()")
    copied_query = parse_qs(urlsplit(copied).query)
    assert copied_query["eta"] == ["0.5"]
    assert copied_query["batch"] == ["7"]


def test_rejected_create_restores_form(driver: PageDriver, guard: PageGuard) -> None:
    guard.expect_status(422)
    driver.open("dataset=xor&sizes=2-4-2&seed=1")
    network_id = driver.network_id()
    driver.page.fill("#layers li[data-hidden='0'] input.size", "10000")
    driver.page.dispatch_event("#layers li[data-hidden='0'] input.size", "change")
    assert "Not created yet" in driver.page.inner_text("#setup-status")
    driver.click("#apply-setup")

    errors = error_texts(driver)
    assert len(errors) == 1
    assert "(in “layer 1”, API field sizes.1)" in errors[0]
    assert driver.network_id() == network_id
    # The form shows the network still on the page.
    size = driver.page.input_value("#layers li[data-hidden='0'] input.size")
    assert size == "4"
    assert driver.page.inner_text("#setup-status").startswith("Shown: network 2-4-2")
    driver.screenshot("setup-rejected-size")


@pytest.mark.parametrize(
    ("cost", "output", "problem", "fix"),
    [
        ("log_likelihood", "sigmoid", "log-likelihood needs the softmax", "softmax"),
        ("cross_entropy", "relu", "cross-entropy needs outputs in (0, 1)", "sigmoid"),
    ],
)
def test_impossible_cost_blocks_create(
    driver: PageDriver, cost: str, output: str, problem: str, fix: str
) -> None:
    driver.open("dataset=xor&sizes=2-4-2&seed=1")
    network_id = driver.network_id()
    driver.page.select_option("#output-activation", output)
    driver.page.select_option("#cost", cost)
    status = driver.page.inner_text("#setup-status")
    assert status.startswith("Cannot create yet: Cost:")
    assert problem in status
    driver.screenshot(f"setup-blocked-{cost}")

    # Create is blocked in the page: no request, and the choices stay.
    driver.click("#apply-setup")
    assert driver.network_id() == network_id
    assert driver.page.input_value("#cost") == cost
    assert driver.page.input_value("#output-activation") == output

    driver.page.select_option("#output-activation", fix)
    assert "Cannot create" not in driver.page.inner_text("#setup-status")
    driver.click("#apply-setup")
    config = driver.network()["config"]
    assert (config["cost"], config["output_activation"]) == (cost, fix)


def test_pending_dataset_labelled(driver: PageDriver) -> None:
    driver.open("dataset=xor&sizes=2-4-2&seed=1")
    assert "Not created" not in driver.page.inner_text("#dataset-info")
    driver.page.select_option("#dataset", "iris")
    info = driver.page.inner_text("#dataset-info")
    assert info.startswith("Not created yet:")
    assert "4 inputs, 3 outputs" in info
    status = driver.page.inner_text("#setup-status")
    assert "Not created yet" in status
    assert "2-4-2 on XOR" in status
    driver.screenshot("setup-pending-dataset")

    driver.click("#apply-setup")
    assert driver.network()["dataset"] == "iris"
    assert "Not created" not in driver.page.inner_text("#dataset-info")
    assert driver.page.inner_text("#setup-status").startswith("Shown: network 4-4-3")


def test_error_message_plain_words(driver: PageDriver, guard: PageGuard) -> None:
    guard.expect_status(422)
    driver.open("dataset=xor&sizes=2-4-2&seed=1")
    driver.page.fill("#learning-rate", "2000000")
    driver.click("#apply-setup")
    errors = error_texts(driver)
    assert len(errors) == 1
    assert "HTTP" not in errors[0]
    assert "422" not in errors[0]
    # The API's detail "learning_rate: Input should be ..." without the
    # field in front, which follows at the end instead, with its label.
    assert errors[0].startswith("Input should be less than or equal to")
    # The page's label of the field, and the API's name for scripts.
    assert errors[0].endswith("(in “η (learning rate)”, API field learning_rate).")
    assert driver.page.input_value("#learning-rate") == "3"


@pytest.mark.parametrize(
    ("field", "value", "name"),
    [
        ("#layers input.size", "", "Neurons in layer 1"),
        ("#layers input.size", "0", "Neurons in layer 1"),
        ("#layers input.size", "2.5", "Neurons in layer 1"),
        ("#learning-rate", "", "η (learning rate)"),
        ("#batch-size", "0", "Mini-batch m"),
    ],
)
def test_invalid_field_named_in_status(
    driver: PageDriver, field: str, value: str, name: str
) -> None:
    driver.open("dataset=xor&sizes=2-4-2&seed=1")
    driver.page.fill(field, value)
    status = driver.page.inner_text("#setup-status")
    assert status.startswith(f"Cannot create yet: {name}: "), status
    driver.click("#apply-setup")
    assert driver.network()["config"]["sizes"] == [2, 4, 2]


def test_seed_limit_named(driver: PageDriver) -> None:
    # JavaScript numbers are exact for whole numbers up to 2^53 - 1, so the
    # page stops there and names that limit instead of sending a rounded seed.
    driver.open("dataset=xor&sizes=2-4-2&seed=1")
    driver.page.fill("#seed", "1e30")
    status = driver.page.inner_text("#setup-status")
    assert status.startswith("Cannot create yet: Seed: "), status
    assert "9007199254740991" in status, status
    driver.click("#apply-setup")
    assert driver.network()["config"]["seed"] == 1


def test_choice_lists_use_readable_names(driver: PageDriver) -> None:
    driver.open("dataset=xor&sizes=2-4-2&seed=1")
    costs = driver.page.locator("#cost option").all_inner_texts()
    assert costs == ["quadratic", "cross-entropy", "log-likelihood"]
    hidden = driver.page.locator("#hidden-activation option").all_inner_texts()
    assert "ReLU" in hidden
    assert "leaky ReLU" in hidden
    values = driver.page.locator("#cost option").evaluate_all(
        "(options) => options.map((o) => o.value)"
    )
    assert values == ["quadratic", "cross_entropy", "log_likelihood"]


def test_reload_keeps_the_trained_network(
    driver: PageDriver, api: httpx.Client, guard: PageGuard
) -> None:
    driver.open("dataset=xor&sizes=2-3-2&seed=1")
    network_id = driver.network_id()
    for _ in range(3):
        driver.click("#batch-step")
    weights = api.get(f"/api/networks/{network_id}").json()["weights"]
    curve = driver.page.evaluate("() => window.backpropViz.state.curve")
    assert [point["steps"] for point in curve] == [0, 1, 2, 3]

    driver.page.reload()
    driver.page.wait_for_selector("body[data-ready=true]")
    driver.idle()

    assert driver.network_id() == network_id
    assert driver.network()["steps"] == 3
    assert driver.network()["weights"] == weights
    # The cost curve is drawn again from every point seen before the reload.
    assert driver.page.evaluate("() => window.backpropViz.state.curve") == curve
    drawn = driver.page.evaluate("() => document.getElementById('curves').data[0].x")
    assert drawn == [0, 1, 2, 3]

    # A network that no longer exists is replaced by a new one from the
    # set-up in the address, and a message gives the reason.
    guard.expect_status(404)
    assert api.delete(f"/api/networks/{network_id}").status_code in (200, 204)
    driver.page.reload()
    driver.page.wait_for_selector("body[data-ready=true]")
    driver.idle()
    assert driver.network_id() != network_id
    assert driver.network()["steps"] == 0
    assert driver.network()["config"]["sizes"] == [2, 3, 2]
    assert "no longer exists" in driver.page.inner_text(".message.info")


@pytest.mark.parametrize(
    ("hash_id", "status", "message"),
    [
        ("", None, "no valid network id"),
        ("a" * 65, None, "no valid network id"),
        ("..%2F", None, "no valid network id"),
        ("Zb3k9xWq1sT0mPq8vY2aRg", 404, "no longer exists"),
    ],
)
def test_bad_network_id_in_address_falls_back(
    driver: PageDriver,
    guard: PageGuard,
    hash_id: str,
    status: int | None,
    message: str,
) -> None:
    if status is not None:
        guard.expect_status(status)
    driver.open(f"dataset=xor&sizes=2-3-2&seed=1#network={hash_id}")

    network = driver.network()
    assert network is not None
    assert network["config"]["sizes"] == [2, 3, 2]
    assert message in driver.page.inner_text(".message.info")
    # The page works: a step goes through, and the address names the network.
    driver.click("#batch-step")
    assert driver.network()["steps"] == 1
    assert driver.page.url.endswith(f"#network={network['id']}")
