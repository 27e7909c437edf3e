"""PageDriver: presses the page's controls and reads the numbers it shows.

The page exposes window.backpropViz (state, select, whenIdle) for this; the
panel marks each number with data-quantity and its full value in data-value.
"""

from pathlib import Path

from playwright.sync_api import Page


class PageDriver:
    """Drives the page through its controls and reads the numbers it shows."""

    def __init__(self, page: Page, base_url: str, screenshot_dir: Path) -> None:
        self.page = page
        self.base_url = base_url
        self.screenshot_dir = screenshot_dir

    def open(self, query: str = "") -> None:
        url = f"{self.base_url}/" + (f"?{query}" if query else "")
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        self.idle()

    def idle(self) -> None:
        """Wait until every queued action of the page and its redraw finished,
        including actions queued by the ones running."""
        self.page.evaluate(
            """async () => {
              let tail;
              do {
                tail = window.backpropViz.whenIdle();
                await tail;
              } while (tail !== window.backpropViz.whenIdle());
              return true;
            }"""
        )

    def click(self, selector: str) -> None:
        self.page.click(selector)
        self.idle()

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.idle()

    def train_until(
        self, speed: str, counter: str, at_least: int, timeout_ms: int = 30_000
    ) -> None:
        """Train with "per update" set to speed until a counter is reached.

        counter is "steps" or "epochs". Train is pressed again (pause) once
        the network's counter reaches at_least, and then the page is left to
        finish its redraw.
        """
        self.page.select_option("#train-speed", speed)
        self.page.click("#train-toggle")
        self.page.wait_for_function(
            f"() => window.backpropViz.state.network.{counter} >= {at_least}",
            timeout=timeout_ms,
        )
        self.page.click("#train-toggle")
        self.idle()

    def network(self) -> dict:
        return self.page.evaluate("() => window.backpropViz.state.network")

    def network_id(self) -> str:
        return str(self.network()["id"])

    def stage(self) -> dict:
        return self.page.evaluate(
            "() => { const s = window.backpropViz.state;"
            " return s.stages[s.stageIndex]; }"
        )

    def stage_count(self) -> int:
        return int(self.page.evaluate("() => window.backpropViz.state.stages.length"))

    def select(self, kind: str, layer: int, j: int, k: int | None = None) -> None:
        selection = {"kind": kind, "layer": layer, "j": j}
        if k is not None:
            selection["k"] = k
        self.page.evaluate("(s) => window.backpropViz.select(s)", selection)

    def panel_values(self) -> dict[str, list[float]]:
        """Return the full-precision numbers of the panel by quantity name."""
        pairs = self.page.eval_on_selector_all(
            "#explanation [data-quantity]",
            "(nodes) => nodes.map((n) => [n.dataset.quantity, n.dataset.value])",
        )
        values: dict[str, list[float]] = {}
        for name, text in pairs:
            values.setdefault(name, []).append(float(text))
        return values

    def panel_value(self, name: str) -> float:
        values = self.panel_values().get(name, [])
        assert len(values) == 1, f"panel shows {name} {len(values)} times: {values}"
        return values[0]

    def screenshot(self, name: str) -> Path:
        path = self.screenshot_dir / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path
