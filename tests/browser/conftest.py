"""Fixtures of the browser tests: a real server and Debian's chromium.

The server is uvicorn running app.api.main:create_app in a subprocess on
127.0.0.1 with a free port and a temporary data folder. Every page fixture
fails its test when the page requests another host or logs a console error.
"""

import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from page_driver import PageDriver
from page_guard import PageGuard
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

logger = logging.getLogger(__name__)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SERVER_START_TIMEOUT_S = 30.0
VIEWPORT = {"width": 1280, "height": 720}
SCREENSHOT_DIR = Path(__file__).parent / "screenshots"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_healthy(base_url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"uvicorn exited with code {server.returncode}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"server at {base_url} not healthy after {SERVER_START_TIMEOUT_S} s"
    )


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start the app with uvicorn on a free port and return its URL."""
    data_dir = tmp_path_factory.mktemp("data")
    log_path = data_dir / "uvicorn.log"
    port = _free_port()
    env = {**os.environ, "BACKPROP_VIZ_DATA_DIR": str(data_dir)}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "app.api.main:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    logger.info("started uvicorn pid %d at %s", server.pid, url)
    try:
        _wait_until_healthy(url, server)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        logger.info("stopped uvicorn pid %d", server.pid)


@pytest.fixture(scope="session")
def api(base_url: str) -> Iterator[httpx.Client]:
    """An HTTP client of the same server, for the numbers the page must show."""
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        yield client


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def guard(base_url: str) -> PageGuard:
    return PageGuard(base_url)


@pytest.fixture
def page(browser: Browser, guard: PageGuard) -> Iterator[Page]:
    """A 1280x720 page that blocks and records requests to other hosts."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)

    def route(route_request) -> None:  # type: ignore[no-untyped-def]
        url = route_request.request.url
        guard.check_request(url)
        if guard.is_own(url):
            route_request.continue_()
        else:
            route_request.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("request", lambda request: guard.check_request(request.url))
    page.on(
        "console",
        lambda message: (
            guard.record_console_error(message.text)
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: guard.console_errors.append(str(error)))
    yield page
    context.close()
    assert guard.foreign_requests == [], "the page requested another host"
    assert guard.console_errors == [], "the browser console logged errors"


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


@pytest.fixture
def driver(page: Page, base_url: str, screenshot_dir: Path) -> PageDriver:
    return PageDriver(page, base_url, screenshot_dir)
