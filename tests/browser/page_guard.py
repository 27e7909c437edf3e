"""PageGuard: the foreign requests and console errors of a browser test page."""

import re
from urllib.parse import urlsplit

# Chromium logs every response with an error status as a console error.
FAILED_RESOURCE = re.compile(
    r"Failed to load resource: the server responded with a status of (\d+)"
)


class PageGuard:
    """Collects requests to other hosts and console errors of one page."""

    def __init__(self, base_url: str) -> None:
        self.host = urlsplit(base_url).netloc
        self.foreign_requests: list[str] = []
        self.console_errors: list[str] = []
        self.expected_statuses: set[int] = set()

    def expect_status(self, status: int) -> None:
        """Accept API responses with this error status, which a test that
        sends a request the API must reject causes on purpose."""
        self.expected_statuses.add(status)

    def record_console_error(self, text: str) -> None:
        failed = FAILED_RESOURCE.match(text)
        if failed and int(failed.group(1)) in self.expected_statuses:
            return
        self.console_errors.append(text)

    def is_own(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return True
        return parts.netloc == self.host

    def check_request(self, url: str) -> None:
        if not self.is_own(url):
            self.foreign_requests.append(url)
