"""ASGI middleware: a request id on every request, and the request body limit."""

import logging
import re
import secrets
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import ApiError
from app.api.responses import dumps

logger = logging.getLogger(__name__)

# A client may send its own X-Request-ID; anything else gets a new one.
_CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdMiddleware:
    """Store a request id in scope["state"] and send it as X-Request-ID."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = None
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                text = value.decode("latin-1")
                rid = text if _CLIENT_ID.fullmatch(text) else None
        rid = rid or secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = rid

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)


def _too_large(limit: int, actual: int | str) -> str:
    return f"request body is {actual} bytes, above the limit max_body_bytes = {limit}"


class BodyLimitMiddleware:
    """Reject request bodies larger than max_body_bytes with 413.

    A declared Content-Length above the limit is rejected before reading.
    Otherwise the body is counted while the app reads it, and reading past
    the limit raises ApiError(413), which FastAPI passes on unchanged.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        path_limits: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.default_limit = max_body_bytes
        # Larger limits for single paths (POST /api/networks/import).
        self.path_limits = path_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.path_limits.get(scope.get("path", ""), self.default_limit)
        declared = self._content_length(scope)
        if declared is not None and declared > limit:
            await self._reject(scope, send, declared, limit)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise ApiError(
                        413,
                        _too_large(limit, f"more than {limit}"),
                        None,
                        limit="max_body_bytes",
                        maximum=limit,
                        actual=received,
                    )
            return message

        await self.app(scope, counted_receive, send)

    @staticmethod
    def _content_length(scope: Scope) -> int | None:
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return None
        return None

    async def _reject(
        self, scope: Scope, send: Send, declared: int, limit: int
    ) -> None:
        rid = scope.get("state", {}).get("request_id", "-")
        logger.info("request %s: 413 body of %d bytes rejected", rid, declared)
        body: dict[str, Any] = {
            "detail": _too_large(limit, declared),
            "field": None,
            "limit": "max_body_bytes",
            "maximum": limit,
            "actual": declared,
        }
        payload = dumps(body)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
