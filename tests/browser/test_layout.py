"""Layout of the page at 1280x720: plots follow their containers when the
data set changes, controls are wide enough for their text, messages cover
no plot, and the colour scales draw for any range of values."""

import httpx
import pytest
from page_driver import PageDriver
from page_guard import PageGuard

pytestmark = pytest.mark.browser

PLOT_WIDTHS = """(id) => {
  const element = document.getElementById(id);
  const svg = element.querySelector('.main-svg');
  return [element.clientWidth, Number(svg.getAttribute('width'))];
}"""

# Width of a control's text in its own font, against the room inside it.
TEXT_FITS = """([selector, text, reserved]) => {
  const element = document.querySelector(selector);
  const style = getComputedStyle(element);
  const context = document.createElement('canvas').getContext('2d');
  context.font = `${style.fontSize} ${style.fontFamily}`;
  const padding = parseFloat(style.paddingLeft) +
    parseFloat(style.paddingRight);
  const room = element.clientWidth - padding - reserved;
  return [context.measureText(text).width, room];
}"""

# Room for the drop-down arrow of a <select> in chromium, in pixels.
SELECT_ARROW_PX = 20


def error_texts(driver: PageDriver) -> list[str]:
    return driver.page.locator(".message.error > span").all_inner_texts()


def create_with_dataset(driver: PageDriver, name: str) -> None:
    driver.page.select_option("#dataset", name)
    driver.click("#apply-setup")


def test_side_plot_follows_container(driver: PageDriver) -> None:
    driver.open("dataset=iris")
    container, drawn = driver.page.evaluate(PLOT_WIDTHS, "side")
    assert drawn == container

    # Digits adds the input image beside the bar chart, narrowing its box.
    create_with_dataset(driver, "digits")
    assert driver.page.is_visible("#image")
    container, drawn = driver.page.evaluate(PLOT_WIDTHS, "side")
    assert drawn == container
    bars = driver.page.locator("#side .xtick").count()
    assert bars == 10
    driver.screenshot("layout-digits-after-iris")

    # XOR hides the image again, so the decision boundary gets the room.
    create_with_dataset(driver, "xor")
    assert not driver.page.is_visible("#image")
    container, drawn = driver.page.evaluate(PLOT_WIDTHS, "side")
    assert drawn == container
    driver.screenshot("layout-xor-after-digits")


def test_plots_follow_window_resize(driver: PageDriver) -> None:
    driver.open("dataset=xor")
    driver.page.set_viewport_size({"width": 1440, "height": 800})
    driver.page.wait_for_function(
        """() => ['side', 'curves'].every((id) => {
          const element = document.getElementById(id);
          return element._fullLayout.width === element.clientWidth;
        })""",
        timeout=10_000,
    )
    driver.idle()
    container, drawn = driver.page.evaluate(PLOT_WIDTHS, "network")
    assert drawn == container


def test_controls_fit_their_text(driver: PageDriver) -> None:
    driver.open("dataset=xor")
    size = "#layers li[data-hidden='0'] input.size"
    driver.page.fill(size, "1000")
    width, room = driver.page.evaluate(TEXT_FITS, [size, "1000", 0])
    assert width <= room, "a 4-digit layer size is cut off"

    init_text = driver.page.evaluate(
        "() => document.querySelector('#init').selectedOptions[0].text"
    )
    width, room = driver.page.evaluate(TEXT_FITS, ["#init", init_text, SELECT_ARROW_PX])
    assert width <= room, f"{init_text!r} is cut off"

    history_text = driver.page.evaluate(
        "() => document.querySelector('#history').selectedOptions[0].text"
    )
    assert history_text.startswith("step 0: start")
    width, room = driver.page.evaluate(
        TEXT_FITS, ["#history", history_text, SELECT_ARROW_PX]
    )
    assert width <= room, f"{history_text!r} is cut off"
    driver.screenshot("layout-setup-column")


def test_messages_cover_no_plot(driver: PageDriver, guard: PageGuard) -> None:
    guard.expect_status(422)
    driver.open("dataset=xor")
    driver.page.fill("#batch-size", "100000")
    driver.click("#apply-setup")
    driver.page.wait_for_selector(".message.error")
    message = driver.page.locator(".message.error").bounding_box()
    assert message is not None
    for plot in ("network", "curves", "side"):
        box = driver.page.locator(f"#{plot}").bounding_box()
        assert box is not None
        overlaps = (
            message["x"] < box["x"] + box["width"]
            and box["x"] < message["x"] + message["width"]
            and message["y"] < box["y"] + box["height"]
            and box["y"] < message["y"] + message["height"]
        )
        assert not overlaps, f"the message covers #{plot}"
    driver.screenshot("layout-error-message")


def test_colour_range_is_bounded(driver: PageDriver) -> None:
    driver.open("dataset=xor")
    ranges = driver.page.evaluate(
        """async () => {
          const colors = await import('/static/js/colors.js');
          return [0, 3e-308, 5e-324, 0.25, 1.7e308, Infinity, NaN, -2]
            .map((v) => colors.colourRange(v));
        }"""
    )
    assert ranges[0] == 1
    assert 3e-308 < ranges[1] <= 1e-12
    assert ranges[2] == ranges[1]
    assert ranges[3] == 0.25
    assert 1e200 <= ranges[4] < 1.7e308 / 2
    assert ranges[5] == ranges[4]
    assert ranges[6] == 1
    assert ranges[7] == 1


@pytest.mark.parametrize("value", [0.0, 3.3e-308, 5e-324, 1.5e308])
def test_backward_stage_draws_extreme_delta(driver: PageDriver, value: float) -> None:
    driver.open("dataset=xor&sizes=2-3-2&seed=1")
    bp1 = driver.page.locator("#timeline button", has_text="BP1")
    driver.click(f"#timeline button[data-index='{bp1.get_attribute('data-index')}']")
    driver.page.evaluate(
        """async (v) => {
          const pass = window.backpropViz.state.pass.backward;
          for (const layer of pass.layers) {
            layer.delta = layer.delta.map(() => v);
            layer.grad_w = layer.grad_w.map((row) => row.map(() => -v));
          }
          await window.backpropViz.select({ kind: 'neuron', layer: 2, j: 0 });
        }""",
        value,
    )
    driver.idle()
    layout = driver.page.evaluate("() => document.getElementById('network').layout")
    assert layout["coloraxis"]["colorbar"]["title"]["text"] == "δ"
    assert layout["coloraxis2"]["colorbar"]["title"]["text"] == "∂C/∂w"
    assert error_texts(driver) == []


@pytest.mark.slow
def test_saturated_network_backward_stages(
    driver: PageDriver, api: httpx.Client
) -> None:
    driver.open("dataset=xor&eta=1000000")
    driver.train_until("100", "steps", 100)

    bp1 = driver.page.locator("#timeline button", has_text="BP1")
    driver.click(f"#timeline button[data-index='{bp1.get_attribute('data-index')}']")
    assert driver.stage()["equation"] == "BP1"
    assert error_texts(driver) == []
    layout = driver.page.evaluate("() => document.getElementById('network').layout")
    assert layout["coloraxis"]["colorbar"]["title"]["text"] == "δ"
    assert driver.page.get_attribute("#network", "data-stage") == "backward"

    # The hover keeps the exact delta of the API, however small.
    network_id = driver.network_id()
    expected = api.post(
        f"/api/networks/{network_id}/backward", json={"split": "train", "index": 0}
    ).json()
    driver.select("neuron", 2, 1)
    assert driver.panel_value("delta") == expected["layers"][1]["delta"][1]
    driver.screenshot("layout-saturated-bp1")


def test_network_fits_its_box(driver: PageDriver) -> None:
    driver.open("dataset=xor&sizes=2-3-2&seed=1")
    for _ in range(driver.stage_count()):
        box, drawn = driver.page.evaluate(
            """() => {
              const element = document.getElementById('network');
              return [element.clientHeight, element._fullLayout.height];
            }"""
        )
        assert drawn == box, driver.stage()
        driver.click("#next")


def test_narrow_window_stacks_explanation(driver: PageDriver) -> None:
    driver.page.set_viewport_size({"width": 800, "height": 600})
    driver.open("dataset=xor&sizes=2-3-2&seed=1")
    width = driver.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 800, "the page scrolls sideways in an 800 px window"
    centre = driver.page.locator(".centre").bounding_box()
    explain = driver.page.locator(".explain").bounding_box()
    assert centre is not None and explain is not None
    # The explanation sits under the network, as wide as it, not off-screen.
    assert explain["y"] >= centre["y"] + centre["height"] - 1
    assert explain["x"] + explain["width"] <= 800
    assert centre["height"] >= 400
    driver.select("weight", 1, 0, 1)
    assert driver.page.locator(".explain .eq").count() > 0
    driver.screenshot("layout-narrow-800")


def _overlaps(boxes: list[dict]) -> list[tuple[int, int]]:
    """Return the index pairs of boxes that share some area."""
    return [
        (i, j)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes)
        if i < j
        and a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    ]


@pytest.mark.parametrize("width", [800, 1440])
def test_deep_network_headers_do_not_overlap(driver: PageDriver, width: int) -> None:
    driver.page.set_viewport_size({"width": width, "height": 800})
    driver.open("dataset=moons&sizes=2-5-5-5-5-5-5-5-2&hidden=tanh&seed=0")
    # Every annotation of the network figure: the 9 column headers and the
    # key to NaN colours.
    boxes = driver.page.evaluate(
        "() => [...document.querySelectorAll('#network .annotation')]"
        ".map((e) => e.getBoundingClientRect().toJSON())"
    )
    assert len(boxes) == 10
    assert _overlaps(boxes) == []
    driver.screenshot(f"layout-deep-network-{width}")


def test_softmax_of_ten_outputs_fits_panel(driver: PageDriver) -> None:
    driver.open("dataset=digits&sizes=64-12-10&output=softmax&cost=log_likelihood")
    driver.click("#next")
    driver.click("#next")
    driver.select("neuron", 2, 3)
    section = driver.page.locator('#explanation .eq[data-eq="a"]')
    assert "softmax" in section.inner_text()
    widths = section.locator(".math-line").evaluate_all(
        "(lines) => lines.map((e) => [e.scrollWidth, e.clientWidth])"
    )
    assert widths, "the softmax section has no lines of math"
    for scroll, client in widths:
        assert scroll <= client, widths
    driver.screenshot("layout-softmax-ten-outputs")


def test_output_bars_title_fits_narrow_window(driver: PageDriver) -> None:
    driver.page.set_viewport_size({"width": 800, "height": 1200})
    driver.open("dataset=digits&sizes=64-30-10&seed=2")
    side = driver.page.locator("#side").bounding_box()
    title = driver.page.locator("#side .gtitle").bounding_box()
    assert side is not None and title is not None
    assert title["x"] >= side["x"]
    assert title["x"] + title["width"] <= side["x"] + side["width"]
    assert "target" in (driver.page.locator("#side .gtitle").text_content() or "")
    driver.screenshot("layout-digits-800")


@pytest.mark.parametrize(
    ("width", "label"),
    [
        (1440, "w<sup>1</sup>: 30 \u00d7 64<br>rows j, columns k"),
        (800, "w<sup>1</sup>"),
    ],
)
def test_heatmap_named_between_headers(
    driver: PageDriver, width: int, label: str
) -> None:
    driver.page.set_viewport_size({"width": width, "height": 1000})
    driver.open("dataset=digits&sizes=64-30-10&seed=2")
    texts = driver.page.evaluate(
        "() => document.getElementById('network').layout.annotations.map((a) => a.text)"
    )
    assert label in texts
    # Lines join layers 1 and 2, so only w^1 is a heat map.
    assert not [text for text in texts if text.startswith("w<sup>2</sup>")]


def test_huge_cost_axis_title_clear(driver: PageDriver, api: httpx.Client) -> None:
    # An imported weight of 1e150 makes a^L about 1e150 and the quadratic
    # cost about 1e300, so the tick labels of the cost axis are long.
    created = api.post(
        "/api/networks",
        json={"dataset": "line", "sizes": [1, 1], "output_activation": "identity"},
    ).json()
    document = api.get(f"/api/networks/{created['id']}/export").json()
    document["weights"] = [[[1e150]]]
    network = api.post("/api/networks/import", json=document).json()
    assert 1e250 < network["cost"]["train"] < float("inf")
    driver.open(f"dataset=line#network={network['id']}")
    assert driver.network_id() == network["id"]
    title = driver.page.locator("#curves .g-ytitle").bounding_box()
    ticks = driver.page.locator("#curves .ytick text").evaluate_all(
        "(texts) => texts.map((t) => t.getBoundingClientRect().toJSON())"
    )
    assert title is not None and ticks
    for tick in ticks:
        assert tick["left"] >= title["x"] + title["width"], (title, tick)
    driver.screenshot("layout-huge-cost-axis")


def _in_view(driver: PageDriver, selector: str) -> bool:
    """Return whether the element lies within the explanation's scroll box."""
    return driver.page.evaluate(
        """(selector) => {
          const box = document.querySelector('.explain').getBoundingClientRect();
          const item = document.querySelector(selector).getBoundingClientRect();
          return item.top >= box.top && item.bottom <= box.bottom;
        }""",
        selector,
    )


def test_explanation_keeps_heading_when_section_fits(driver: PageDriver) -> None:
    driver.page.set_viewport_size({"width": 1440, "height": 900})
    driver.open("dataset=plane&sizes=2-4-4-1&seed=0")
    driver.select("neuron", 3, 0)
    while driver.stage()["kind"] != "backward":
        driver.click("#next")
    assert _in_view(driver, "#explanation h2")
    assert _in_view(driver, '#explanation [data-eq="delta"]')

    # In a short window the section of the stage is scrolled into view.
    driver.page.set_viewport_size({"width": 1440, "height": 560})
    driver.click("#next")
    while driver.stage()["kind"] != "update":
        driver.click("#next")
    assert _in_view(driver, '#explanation [data-eq^="update"]')
