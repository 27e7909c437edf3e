"""The API reference at /docs renders from the app's own files."""

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def test_docs_render_offline(page: Page, base_url: str) -> None:
    # The page fixture aborts and records every request to another host, so
    # a Swagger UI loaded from a CDN would leave the page blank and fail here.
    page.goto(f"{base_url}/docs")
    page.wait_for_selector(".opblock", timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/networks/{network_id}/backward" in p for p in paths)
    assert page.locator(".info .title").inner_text().startswith("backprop-viz")
