"""Time from pressing Next to the finished redraw of the page, in chromium.

Run from the repository root:  python bench/ui_redraw.py [--presses 30]

Starts the app with uvicorn on a free port of 127.0.0.1 (temporary data
folder) and Debian's chromium (/usr/bin/chromium, headless, 1280x720), then
for a 2-4-4-1 network (plane data set) and a 64-30-10 network (digits)
clicks Next repeatedly. One press is timed in the page from the click to the
end of the queued action, which includes every API request of that stage and
every Plotly.react, plus one animation frame so the drawing is on screen.
Stages differ: the update stage calls POST /step and the press after it
loads the next example's pass, so presses are also reported by stage kind.
The update stage is drawn from the /step response. The new costs come from
GET of the network, which evaluates the whole data set, so they and the
training view follow as a queued action, timed as "until ... refresh ends".

Baselines from the same run:
- no-op click: a click on the page body plus one animation frame, the
  floor of every other figure (the wait for the next frame);
- bare Plotly.react: the network figure of the last stage drawn again, from
  a deep copy, into a hidden div of the same size, plus one animation frame.
"""

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import httpx
from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
NETWORKS = {
    "2-4-4-1": "dataset=plane&sizes=2-4-4-1&seed=0",
    "64-30-10": "dataset=digits&sizes=64-30-10&seed=0",
}

TIME_NEXT = """async () => {
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const t0 = performance.now();
  document.getElementById('next').click();
  await window.backpropViz.whenIdle();
  await frame();
  const drawn = performance.now() - t0;
  await window.backpropViz.whenIdle();
  await frame();
  const s = window.backpropViz.state;
  return [drawn, performance.now() - t0, s.stages[s.stageIndex].kind];
}"""

TIME_NOOP = """async () => {
  const t0 = performance.now();
  document.body.click();
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  return performance.now() - t0;
}"""

TIME_BARE_REACT = """async () => {
  const source = document.getElementById('network');
  let scratch = document.getElementById('bench-scratch');
  if (!scratch) {
    scratch = document.createElement('div');
    scratch.id = 'bench-scratch';
    scratch.style.cssText = 'position:fixed;left:-4000px;top:0;' +
      `width:${source.clientWidth}px;height:${source.clientHeight}px`;
    document.body.append(scratch);
  }
  const figure = structuredClone(window.backpropViz.lastNetworkFigure());
  const t0 = performance.now();
  await Plotly.react(scratch, figure.data, figure.layout, {displayModeBar: false});
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  return performance.now() - t0;
}"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "BACKPROP_VIZ_DATA_DIR": data_dir}
    command = [sys.executable, "-m", "uvicorn", "--factory"]
    command += ["app.api.main:create_app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen(command, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return server, url
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError(f"server at {url} did not start within 30 s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def row(name: str, values: list[float]) -> str:
    median = statistics.median(values)
    p90 = percentile(values, 0.9)
    return f"| {name} | {len(values)} | {median:.1f} | {p90:.1f} |"


def bench_network(page: Page, url: str, query: str, presses: int) -> list[str]:
    page.goto(f"{url}/?{query}")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.evaluate("() => window.backpropViz.whenIdle().then(() => true)")
    by_kind: dict[str, list[float]] = {}
    every: list[float] = []
    every_settled: list[float] = []
    for _ in range(presses):
        drawn, settled, kind = page.evaluate(TIME_NEXT)
        every.append(drawn)
        every_settled.append(settled)
        by_kind.setdefault(kind, []).append(drawn)
        if kind == "update":
            by_kind.setdefault("update, until its queued refresh ends", []).append(
                settled
            )
    noop = [page.evaluate(TIME_NOOP) for _ in range(presses)]
    bare = [page.evaluate(TIME_BARE_REACT) for _ in range(presses)]
    lines = [row("Next, every press", every)]
    lines.append(row("Next, every press, until queued refreshes end", every_settled))
    for kind, values in sorted(by_kind.items()):
        lines.append(row(f"Next, arriving at {kind}", values))
    lines.append(row("baseline: no-op click", noop))
    lines.append(row("baseline: bare Plotly.react of the figure", bare))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presses", type=int, default=30, help="presses per case")
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {platform.machine()}, ")
    print(f"{os.cpu_count()} CPUs, chromium headless 1280x720\n")
    with tempfile.TemporaryDirectory() as data_dir:
        server, url = start_server(data_dir)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                page = browser.new_page(viewport={"width": 1280, "height": 720})
                for name, query in NETWORKS.items():
                    print(f"### {name} ({query})\n")
                    print("| case | n | median ms | p90 ms |")
                    print("|---|---|---|---|")
                    for line in bench_network(page, url, query, args.presses):
                        print(line)
                    print()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
