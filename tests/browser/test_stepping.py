"""Stepping through one example: every number in the explanation panel must
equal the API's, stage by stage, and the network view greys what is not yet
computed. Layer numbers: the input is layer 0 (layer 1 in Nielsen's book)."""

import httpx
import pytest
from page_driver import PageDriver
from page_guard import PageGuard

pytestmark = pytest.mark.browser

# A 3-layer network, so BP2 runs for two layers.
SETUP = "dataset=xor&sizes=2-3-2-2&seed=3&eta=2"
SIZES = [2, 3, 2, 2]
L = len(SIZES) - 1


def grey_neuron_count(driver: PageDriver) -> int:
    """Return how many neurons the network view draws as not computed."""
    return int(
        driver.page.evaluate(
            "() => document.getElementById('network').data"
            ".find((t) => t.name === 'not computed').x.length"
        )
    )


def hover_value(driver: PageDriver, name: str, l: int, j: int) -> float:
    """Return the value of name^l_j in the hover text of neuron j of layer l."""
    text = driver.page.evaluate(
        """([l, j]) => {
          const trace = document.getElementById('network').data
            .find((t) => t.name === 'neurons');
          const i = trace.customdata.findIndex((c) => c[0] === l && c[1] === j);
          return trace.hovertext[i];
        }""",
        [l, j],
    )
    prefix = f"{name}<sup>{l}</sup><sub>{j}</sub> = "
    lines = [line for line in text.split("<br>") if line.startswith(prefix)]
    assert len(lines) == 1, text
    # A delta line ends with its equation, as in "... = 0.0123 (BP2)".
    value = lines[0].removeprefix(prefix).split(" ")[0]
    return float(value.replace("\u2212", "-"))


def check_forward_layer(driver: PageDriver, expected: dict, l: int) -> None:
    layer = expected["layers"][l - 1]
    for j in range(SIZES[l]):
        driver.select("neuron", l, j)
        assert driver.panel_value("z") == layer["z"][j]
        assert driver.panel_value("a") == layer["a"][j]
        assert hover_value(driver, "a", l, j) == layer["a"][j]
    if l < L:
        driver.select("neuron", l + 1, 0)
        assert "z" not in driver.panel_values(), "next layer shown too early"


def check_backward_layer(driver: PageDriver, expected: dict, l: int) -> None:
    layer = expected["layers"][l - 1]
    for j in range(SIZES[l]):
        driver.select("neuron", l, j)
        assert driver.panel_value("delta") == layer["delta"][j]
        assert driver.panel_value("grad_b") == layer["grad_b"][j]
        assert driver.panel_value("sp") == layer["sp"][j]
        assert hover_value(driver, "δ", l, j) == layer["delta"][j]
    if l > 1:
        driver.select("neuron", l - 1, 0)
        assert "delta" not in driver.panel_values(), "lower layer shown too early"


def check_gradients(driver: PageDriver, expected: dict, before: dict) -> None:
    for l in range(1, L + 1):
        layer = expected["layers"][l - 1]
        for j in range(SIZES[l]):
            for k in range(SIZES[l - 1]):
                driver.select("weight", l, j, k)
                assert driver.panel_value("w") == before["weights"][l - 1][j][k]
                assert driver.panel_value("grad_w") == layer["grad_w"][j][k]


def check_update(driver: PageDriver, expected: dict, before: dict, after: dict) -> None:
    eta = before["config"]["learning_rate"]
    for l in range(1, L + 1):
        layer = expected["layers"][l - 1]
        for j in range(SIZES[l]):
            driver.select("neuron", l, j)
            assert driver.panel_value("b_old") == before["biases"][l - 1][j]
            assert driver.panel_value("b_grad") == layer["grad_b"][j]
            assert driver.panel_value("b_new") == after["biases"][l - 1][j]
            assert driver.panel_value("eta") == eta
            for k in range(SIZES[l - 1]):
                driver.select("weight", l, j, k)
                w_old = before["weights"][l - 1][j][k]
                w_new = after["weights"][l - 1][j][k]
                assert driver.panel_value("w_old") == w_old
                assert driver.panel_value("w_grad") == layer["grad_w"][j][k]
                assert driver.panel_value("w_new") == w_new
                # The API's numbers obey the update rule shown on the page.
                assert w_new == pytest.approx(w_old - eta * layer["grad_w"][j][k])


def test_every_stage_matches_api(driver: PageDriver, api: httpx.Client) -> None:
    driver.open(SETUP)
    network_id = driver.network_id()
    before = api.get(f"/api/networks/{network_id}").json()
    assert before["config"]["sizes"] == SIZES
    response = api.post(
        f"/api/networks/{network_id}/backward", json={"split": "train", "index": 0}
    )
    assert response.status_code == 200, response.text
    expected = response.json()
    assert driver.stage_count() == 1 + L + 1 + L + 2

    # Input: layer 0.
    assert driver.stage()["kind"] == "input"
    for j in range(SIZES[0]):
        driver.select("neuron", 0, j)
        assert driver.panel_value("x") == expected["input"][j]
    assert grey_neuron_count(driver) == sum(SIZES[1:])
    driver.screenshot("stage-00-input")

    # Forward pass, layer 1..L.
    for l in range(1, L + 1):
        driver.click("#next")
        assert driver.stage() == {"kind": "forward", "layer": l}
        assert grey_neuron_count(driver) == sum(SIZES[l + 1 :])
        check_forward_layer(driver, expected, l)
        driver.screenshot(f"stage-{l:02d}-forward-layer-{l}")

    # Cost.
    driver.click("#next")
    assert driver.stage()["kind"] == "cost"
    driver.select("neuron", L, 0)
    assert driver.panel_value("cost") == expected["cost"]
    assert driver.panel_value("grad_a") == expected["grad_a"][0]
    assert driver.panel_value("y") == expected["target"][0]
    driver.screenshot(f"stage-{L + 1:02d}-cost")

    # BP1 at layer L, then BP2 down to layer 1.
    for i, l in enumerate(range(L, 0, -1)):
        driver.click("#next")
        stage = driver.stage()
        assert stage["kind"] == "backward"
        assert stage["layer"] == l
        assert stage["equation"] == expected["layers"][l - 1]["equation"]["delta"]
        # Neurons of layers below l and the input have no delta yet.
        assert grey_neuron_count(driver) == sum(SIZES[:l])
        check_backward_layer(driver, expected, l)
        driver.select("neuron", l, 0)
        driver.screenshot(f"stage-{L + 2 + i:02d}-{stage['equation']}-layer-{l}")

    # Gradients of every weight (BP4) and bias (BP3).
    driver.click("#next")
    assert driver.stage()["kind"] == "gradients"
    check_gradients(driver, expected, before)
    driver.select("weight", 2, 1, 2)
    driver.screenshot(f"stage-{2 * L + 2:02d}-gradients")

    # The update calls the API; the panel shows old, gradient and new.
    driver.click("#next")
    assert driver.stage()["kind"] == "update"
    after = api.get(f"/api/networks/{network_id}").json()
    assert after["steps"] == before["steps"] + 1
    check_update(driver, expected, before, after)
    driver.select("weight", 1, 0, 1)
    driver.screenshot(f"stage-{2 * L + 3:02d}-update")


def test_previous_from_update_undoes_step(
    driver: PageDriver, api: httpx.Client
) -> None:
    driver.open(SETUP)
    network_id = driver.network_id()
    before = api.get(f"/api/networks/{network_id}").json()
    for _ in range(driver.stage_count() - 1):
        driver.click("#next")
    assert driver.stage()["kind"] == "update"
    assert api.get(f"/api/networks/{network_id}").json()["steps"] == 1

    driver.click("#previous")
    assert driver.stage()["kind"] == "gradients"
    restored = api.get(f"/api/networks/{network_id}").json()
    assert restored["steps"] == 0
    assert restored["weights"] == before["weights"]
    driver.select("weight", 1, 2, 0)
    assert driver.panel_value("w") == before["weights"][0][2][0]


def test_keyboard_and_timeline(driver: PageDriver) -> None:
    driver.open(SETUP)
    driver.press("ArrowRight")
    driver.press("ArrowRight")
    assert driver.stage() == {"kind": "forward", "layer": 2}
    driver.press("ArrowLeft")
    assert driver.stage() == {"kind": "forward", "layer": 1}

    driver.click("#timeline button[data-index='4']")
    assert driver.stage()["kind"] == "cost"
    current = driver.page.locator("#timeline button[aria-current='true']")
    assert current.get_attribute("data-index") == "4"

    driver.page.keyboard.press("Space")
    assert driver.page.evaluate("() => window.backpropViz.state.autoplay") is True
    driver.page.wait_for_function(
        "() => window.backpropViz.state.stageIndex > 4", timeout=10_000
    )
    driver.page.keyboard.press("Space")
    assert driver.page.evaluate("() => window.backpropViz.state.autoplay") is False
    driver.idle()


def test_clicking_neuron_opens_panel(driver: PageDriver, api: httpx.Client) -> None:
    driver.open(SETUP)
    driver.click("#next")
    network_id = driver.network_id()
    expected = api.post(
        f"/api/networks/{network_id}/forward", json={"split": "train", "index": 0}
    ).json()
    # Neuron 0 of layer 1: find its pixel position from Plotly's axes.
    x, y = driver.page.evaluate(
        """() => {
          const div = document.getElementById('network');
          const trace = div.data.find((t) => t.name === 'neurons');
          const i = trace.customdata.findIndex((c) => c[0] === 1 && c[1] === 0);
          const xa = div._fullLayout.xaxis, ya = div._fullLayout.yaxis;
          const box = div.getBoundingClientRect();
          return [box.left + xa._offset + xa.l2p(trace.x[i]),
                  box.top + ya._offset + ya.l2p(trace.y[i])];
        }"""
    )
    driver.page.mouse.click(x, y)
    driver.idle()
    heading = driver.page.inner_text("#explanation h2")
    assert heading == "Neuron 0 of layer 1"
    assert driver.panel_value("z") == expected["layers"][0]["z"][0]


def test_typed_example_matches_api(driver: PageDriver, api: httpx.Client) -> None:
    driver.open(SETUP)
    driver.page.fill("#example-input", "0.25, -0.75")
    driver.page.fill("#example-target", "0, 1")
    driver.click("#example-load")
    expected = api.post(
        f"/api/networks/{driver.network_id()}/backward",
        json={"input": [0.25, -0.75], "target": [0, 1]},
    ).json()
    driver.select("neuron", 0, 1)
    assert driver.panel_value("x") == -0.75
    for _ in range(L + 1 + L):
        driver.click("#next")
    assert driver.stage() == {"kind": "backward", "layer": 1, "equation": "BP2"}
    driver.select("neuron", 1, 2)
    assert driver.panel_value("delta") == expected["layers"][0]["delta"][2]
    assert driver.panel_value("z") == expected["layers"][0]["z"][2]


def test_input_only_stops_after_forward(driver: PageDriver) -> None:
    driver.open(SETUP)
    driver.page.fill("#example-input", "0.5, 0.5")
    driver.click("#example-load")
    assert driver.stage_count() == 1 + L
    kinds = driver.page.evaluate(
        "() => window.backpropViz.state.stages.map((s) => s.kind)"
    )
    assert "cost" not in kinds


def test_nonfinite_values_own_colour(driver: PageDriver) -> None:
    driver.open(SETUP)
    last_backward = 1 + L + L
    driver.click(f"#timeline button[data-index='{last_backward}']")
    assert driver.stage() == {"kind": "backward", "layer": 1, "equation": "BP2"}
    # The API sends non-finite numbers as strings; the page revives them.
    revived = driver.page.evaluate(
        """async () => {
          const api = await import('/static/js/api.js');
          const body = api.parseJson('{"z": ["NaN", 1.5, "-Infinity"]}');
          return body.z.map((v) => String(v));
        }"""
    )
    assert revived == ["NaN", "1.5", "-Infinity"]

    driver.page.evaluate(
        """async () => {
          const layer = window.backpropViz.state.pass.backward.layers[0];
          layer.delta[1] = NaN;
          layer.grad_w[0][1] = Infinity;
          await window.backpropViz.select({ kind: 'neuron', layer: 1, j: 1 });
        }"""
    )
    traces = driver.page.evaluate("() => document.getElementById('network').data")
    marked = next(t for t in traces if t.get("name") == "non-finite")
    assert marked["text"] == ["NaN"]
    assert marked["marker"]["color"] == "#000000"
    dotted = [
        t for t in traces if t.get("mode") == "lines" and t["line"].get("dash") == "dot"
    ]
    assert len(dotted) == 1
    assert dotted[0]["line"]["color"] == "#000000"
    shown = driver.page.get_attribute(
        "#explanation [data-quantity='delta']", "data-shown"
    )
    assert shown == "NaN"
    driver.screenshot("nonfinite-values")


def message_texts(driver: PageDriver, kind: str = "error") -> list[str]:
    return driver.page.locator(f".message.{kind} > span").all_inner_texts()


def step_to_last_stage(driver: PageDriver) -> None:
    for _ in range(driver.stage_count() - 1):
        driver.click("#next")


@pytest.mark.slow
def test_test_example_never_trained(driver: PageDriver, api: httpx.Client) -> None:
    driver.open("dataset=digits&sizes=64-8-10&seed=2")
    network_id = driver.network_id()
    before = api.get(f"/api/networks/{network_id}").json()
    dataset = api.get("/api/datasets/digits").json()
    last = dataset["n_test"] - 1
    driver.page.select_option("#example-split", "test")
    assert driver.page.is_visible("#example-test-note")
    driver.page.fill("#example-index", str(last))
    driver.click("#example-load")
    expected = api.post(
        f"/api/networks/{network_id}/backward", json={"split": "test", "index": last}
    ).json()

    step_to_last_stage(driver)
    stage = driver.stage()
    assert stage["kind"] == "update"
    assert stage["preview"] is True
    assert "never trained" in driver.page.inner_text("#caption")
    assert "preview" in driver.page.inner_text("#timeline button[aria-current=true]")

    # Nothing changed on the server: no step, the same weights.
    after = api.get(f"/api/networks/{network_id}").json()
    assert after["steps"] == before["steps"]
    assert after["weights"] == before["weights"]
    history = api.get(f"/api/networks/{network_id}/history").json()["entries"]
    assert history == []

    # The panel previews w - eta dC/dw with the API's gradient.
    eta = before["config"]["learning_rate"]
    driver.select("weight", 2, 3, 5)
    w_old = before["weights"][1][3][5]
    gradient = expected["layers"][1]["grad_w"][3][5]
    assert driver.panel_value("w_old") == w_old
    assert driver.panel_value("w_grad") == gradient
    assert driver.panel_value("w_new") == w_old - gradient * eta
    assert "not applied" in driver.page.inner_text("#explanation")
    driver.screenshot("stage-test-example-update-preview")

    # Previous leaves the preview without an undo on the server.
    driver.click("#previous")
    assert driver.stage()["kind"] == "gradients"
    driver.click("#next")

    # The next example wraps within the test split.
    driver.click("#next")
    example = driver.page.evaluate("() => window.backpropViz.state.example")
    assert example["split"] == "test"
    assert example["index"] == 0
    assert driver.stage()["kind"] == "input"
    assert message_texts(driver) == []
    assert api.get(f"/api/networks/{network_id}").json()["steps"] == before["steps"]


def test_test_example_preview_with_momentum(
    driver: PageDriver, api: httpx.Client
) -> None:
    # The preview comes from POST /step with "preview": true, so it includes
    # the momentum term, which needs the velocity only the server has.
    driver.open(f"{SETUP}&momentum=0.5")
    # One mini-batch step first, so the velocity v is not zero.
    driver.click("#batch-step")
    driver.page.select_option("#example-split", "test")
    driver.page.fill("#example-index", "39")
    driver.click("#example-load")
    network_id = driver.network_id()
    before = api.get(f"/api/networks/{network_id}").json()
    kinds = driver.page.evaluate(
        "() => window.backpropViz.state.stages.map((s) => s.kind)"
    )
    assert kinds[-1] == "update"

    step_to_last_stage(driver)
    assert driver.stage()["preview"] is True
    backward = driver.page.evaluate("() => window.backpropViz.state.pass.backward")
    expected = api.post(
        f"/api/networks/{network_id}/step",
        json={
            "examples": [{"input": backward["input"], "target": backward["target"]}],
            "preview": True,
        },
    ).json()
    driver.select("weight", 1, 0, 1)
    assert driver.panel_value("w_new") == expected["weights"][0][0][1]
    assert "Momentum" in driver.page.inner_text("#explanation")
    after = api.get(f"/api/networks/{network_id}").json()
    assert after["steps"] == before["steps"]
    assert after["weights"] == before["weights"]
    assert message_texts(driver) == []


def test_update_panel_shows_l2_decay(driver: PageDriver, api: httpx.Client) -> None:
    driver.open(f"{SETUP}&l2=2")
    network_id = driver.network_id()
    before = api.get(f"/api/networks/{network_id}").json()
    step_to_last_stage(driver)
    assert driver.stage()["kind"] == "update"
    driver.select("weight", 1, 0, 1)
    step = driver.page.evaluate("() => window.backpropViz.state.pass.step")
    w_old = before["weights"][0][0][1]
    assert driver.panel_value("w_old") == w_old
    assert driver.panel_value("w_new") == step["weights"][0][0][1]
    assert "λ" in driver.page.inner_text("#explanation")
    driver.screenshot("stage-update-l2")


def test_softmax_panel_shows_softmax(driver: PageDriver, api: httpx.Client) -> None:
    driver.open("dataset=iris&sizes=4-5-3&output=softmax&cost=log_likelihood")
    network_id = driver.network_id()
    expected = api.post(
        f"/api/networks/{network_id}/backward", json={"split": "train", "index": 0}
    ).json()
    driver.click("#next")
    driver.click("#next")
    assert driver.stage() == {"kind": "forward", "layer": 2}
    assert "softmax" in driver.page.inner_text("#caption")
    for j in range(3):
        driver.select("neuron", 2, j)
        assert driver.panel_value("a") == expected["layers"][1]["a"][j]
    section = driver.page.locator("#explanation section[data-eq='a']")
    text = section.inner_text()
    assert "\u03c3" not in text, "the softmax panel reads like sigmoid"
    assert "softmax" in text
    # The sum's index i sits under the sum sign.
    under = section.locator("munder").first
    assert under.locator("mo").text_content() == "∑"
    assert under.locator("mi").text_content() == "i"
    # The filled-in fraction has one power of e per output z.
    powers = section.locator("mfrac msup").count()
    assert powers >= 1 + 3
    driver.screenshot("stage-softmax-output")


@pytest.mark.parametrize(
    ("hidden", "name"), [("relu", "ReLU"), ("leaky_relu", "leaky ReLU")]
)
def test_activation_named_as_in_form(
    driver: PageDriver, hidden: str, name: str
) -> None:
    driver.open(f"dataset=xor&sizes=2-3-2&hidden={hidden}&seed=1")
    driver.click("#next")
    driver.select("neuron", 1, 0)
    text = driver.page.locator("#explanation section[data-eq='a']").inner_text()
    assert f"\u03c3 is {name} in layer 1." in text


def test_target_hint_follows_dataset(driver: PageDriver) -> None:
    driver.open(SETUP)
    placeholder = driver.page.get_attribute("#example-target", "placeholder")
    assert placeholder == "one-hot, 2 values, e.g. 0, 1"
    assert "same sign" in driver.page.inner_text("#example-classes")
    assert "2 values" in driver.page.get_attribute("#example-input", "placeholder")

    driver.page.select_option("#dataset", "line")
    driver.click("#apply-setup")
    placeholder = driver.page.get_attribute("#example-target", "placeholder")
    assert placeholder.startswith("1 value,")
    assert "one-hot" not in placeholder


@pytest.mark.parametrize("typed", ["opposite signs", "Opposite Signs", "1"])
def test_target_class_name_or_index(driver: PageDriver, typed: str) -> None:
    driver.open(SETUP)
    driver.page.fill("#example-input", "0.5, -0.5")
    driver.page.fill("#example-target", typed)
    driver.click("#example-load")
    example = driver.page.evaluate("() => window.backpropViz.state.example")
    assert example["target"] == [0, 1]
    assert message_texts(driver) == []


def test_rejected_example_not_kept(
    driver: PageDriver, guard: PageGuard, api: httpx.Client
) -> None:
    guard.expect_status(422)
    driver.open(SETUP)
    network_id = driver.network_id()
    driver.page.fill("#example-input", "1, 2, 3")
    driver.page.fill("#example-target", "0, 1")
    driver.click("#example-load")
    errors = message_texts(driver)
    assert len(errors) == 1
    assert "1, 2, 3" in errors[0]
    assert "HTTP" not in errors[0]
    assert driver.page.input_value("#example-input") == ""
    example = driver.page.evaluate("() => window.backpropViz.state.example")
    assert example["input"] is None

    # The next pass after the update uses a data set example. It adds no
    # error and clears the old one, which was about the rejected example.
    step_to_last_stage(driver)
    assert driver.stage()["kind"] == "update"
    driver.click("#next")
    assert driver.stage()["kind"] == "input"
    assert message_texts(driver) == []
    assert api.get(f"/api/networks/{network_id}").json()["steps"] == 1


def test_typed_input_without_target_says_why(driver: PageDriver) -> None:
    driver.open("dataset=sine&sizes=1-4-1&output=identity&seed=1")
    driver.page.fill("#example-input", "0.3")
    driver.click("#example-load")
    for _ in range(driver.stage_count() - 1):
        driver.click("#next")
    assert driver.stage()["kind"] == "forward"
    caption = driver.page.inner_text("#caption")
    assert "no target y" in caption
    assert "Use example" in caption
    driver.screenshot("stage-forward-without-target")


@pytest.mark.parametrize("typed", ["-1", ""])
def test_invalid_index_is_named(driver: PageDriver, typed: str) -> None:
    driver.open(SETUP)
    driver.page.fill("#example-index", "3")
    driver.click("#example-load")
    driver.page.fill("#example-index", typed)
    driver.click("#example-load")
    errors = message_texts(driver)
    assert len(errors) == 1, errors
    assert errors[0].startswith("The index must be a whole number from 0 up")
    example = driver.page.evaluate("() => window.backpropViz.state.example")
    assert example["index"] == 3


def test_selected_weight_marked_under_its_line(driver: PageDriver) -> None:
    driver.open(SETUP)
    driver.select("weight", 1, 0, 1)
    driver.idle()
    widths = driver.page.evaluate(
        "() => document.getElementById('network').data"
        ".filter((t) => t.mode === 'lines').map((t) => t.line.width)"
    )
    # The wide band of the selection comes first, so the weight lines,
    # with their own colours and widths, are drawn over it.
    assert widths[0] == 14, widths
    assert all(width < 14 for width in widths[1:]), widths
    driver.select("neuron", 1, 0)
    driver.idle()
    traces = driver.page.evaluate(
        "() => document.getElementById('network').data.map((t) => t.marker?.symbol)"
    )
    assert "circle-open" in traces


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("0.5, abc", '"abc" is not a number'),
        ("1e400, 0.5", "1e400 is larger than float64 allows"),
    ],
)
def test_typed_input_error_names_the_value(
    driver: PageDriver, typed: str, reason: str
) -> None:
    driver.open(SETUP)
    driver.page.fill("#example-input", typed)
    driver.click("#example-load")
    errors = message_texts(driver)
    assert len(errors) == 1, errors
    assert reason in errors[0]


def test_new_example_clears_old_errors(driver: PageDriver) -> None:
    driver.open(SETUP)
    driver.page.fill("#example-input", "0.5, abc")
    driver.click("#example-load")
    assert len(message_texts(driver)) == 1
    driver.page.fill("#example-index", "3")
    driver.click("#example-load")
    assert message_texts(driver) == []

    driver.page.fill("#example-input", "0.5, abc")
    driver.click("#example-load")
    assert len(message_texts(driver)) == 1
    # The next pass, on the next example, clears it too.
    for _ in range(driver.stage_count()):
        driver.click("#next")
    assert message_texts(driver) == []


@pytest.mark.parametrize(
    ("setup", "fractions"),
    [
        ("dataset=plane&sizes=2-3-1&seed=1", 1),
        ("dataset=xor&sizes=2-3-2&cost=cross_entropy&seed=1", 3),
        ("dataset=iris&sizes=4-5-3&output=softmax&cost=log_likelihood", 3),
    ],
)
def test_cost_gradient_filled_in(
    driver: PageDriver, api: httpx.Client, setup: str, fractions: int
) -> None:
    driver.open(setup)
    L = len(driver.network()["config"]["sizes"]) - 1
    expected = api.post(
        f"/api/networks/{driver.network_id()}/backward",
        json={"split": "train", "index": 0},
    ).json()
    while driver.stage()["kind"] != "cost":
        driver.click("#next")
    driver.select("neuron", L, 0)
    section = driver.page.locator("#explanation section[data-eq='cost']")
    shown_numbers = section.locator(".number").evaluate_all(
        "(nodes) => nodes.map((n) => n.dataset.shown)"
    )
    a = driver.page.locator("#explanation [data-quantity='a']")
    assert a.get_attribute("data-shown") in shown_numbers
    assert driver.panel_value("grad_a") == expected["grad_a"][0]
    # dC/da, then the cost's own fractions: a - y over a (1 - a) for
    # cross-entropy, y over a for log-likelihood, and their filled-in forms.
    assert section.locator("mfrac").count() >= fractions
    # The value line names the per-example cost C_x, as the formula does.
    value_line = section.locator("math").nth(1)
    assert value_line.locator("msub").first.text_content() == "Cx"
