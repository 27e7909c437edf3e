"""API errors and the handlers that turn every exception into a JSON body.

Every error body is {"detail": message, "field": dotted path or null}, with
extra keys where they help (layer and quantity of a divergence, row and
column of a CSV error, limit and actual value of a limit). A request that
fails changes nothing: modifying handlers work inside one database
transaction, which is rolled back when an exception leaves it.
"""

import logging
import re
import reprlib
import sqlite3
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from app.api.responses import ApiJSONResponse
from app.engine import DivergenceError

logger = logging.getLogger(__name__)

# Maximum length of the repr of a rejected value quoted in a message.
MAX_QUOTED = 80
# Validation errors listed in a 422 body; the body also gives the total.
MAX_LISTED_ERRORS = 10


class ApiError(HTTPException):
    """An HTTP error with a message naming the field and the actual value."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(status_code=status_code, detail=detail, headers=headers)
        self.field = field
        self.extra = extra


def not_found(what: str, name: str, field: str | None = None) -> ApiError:
    return ApiError(404, f"{what} {name!r} not found", field)


def limit_exceeded(
    limit: str,
    value: int,
    actual: int,
    what: str,
    field: str | None = None,
    status_code: int = 422,
) -> ApiError:
    """Return an error naming the limit, its value and the actual value."""
    return ApiError(
        status_code,
        f"{what} is {actual}, above the limit {limit} = {value}",
        field,
        limit=limit,
        maximum=value,
        actual=actual,
    )


# Shows only the first levels and items of a list or dict. A plain repr would
# first build the text of the whole value, and it recurses once per level of
# nesting, so a body nested about a thousand levels deep made it fail.
_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel = 3
_SHORT_REPR.maxlist = _SHORT_REPR.maxtuple = 8
_SHORT_REPR.maxdict = 4
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = MAX_QUOTED


def count_of(n: int, noun: str) -> str:
    """Return "1 value" or "3 values": n and the noun, plural unless n is 1."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def quote(value: Any) -> str:
    """Return a short repr of a rejected value for an error message."""
    if isinstance(value, list | dict | tuple):
        text = _SHORT_REPR.repr(value)
    else:
        text = repr(value)
    if len(text) > MAX_QUOTED:
        text = text[: MAX_QUOTED - 3] + "..."
    return text


def request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", "-"))


def _body(detail: str, field: str | None, **extra: Any) -> dict[str, Any]:
    return {"detail": detail, "field": field, **extra}


def _field_path(error: dict[str, Any]) -> str:
    parts = list(error.get("loc", ()))
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:] or parts[:1]
    # Bulk-validated arrays report the path of their first invalid item
    # in ctx (see app.api.schemas.arrays).
    if error.get("type") == "array_item":
        item = str(error.get("ctx", {}).get("item", ""))
        parts.extend(part for part in item.split(".") if part)
    return ".".join(str(part) for part in parts)


def _error_message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    if error.get("type") == "json_invalid":
        reason = error.get("ctx", {}).get("error", "")
        return f"the request body is not valid JSON: {reason}".rstrip(": ")
    if error.get("type") == "missing":
        return "field required"
    loc = tuple(error.get("loc", ()))
    if loc == ("body",) and isinstance(error.get("input"), bytes | str):
        # FastAPI parses a body as JSON only when its Content-Type is JSON,
        # so a body of any other type arrives here as raw bytes.
        return (
            "the request body was not read as JSON: send it with the header "
            "Content-Type: application/json"
        )
    # NOTE: this matches FastAPI's own wording. If a later FastAPI words it
    # otherwise, the generic message below is sent instead.
    if loc[-1:] == ("file",) and "Expected UploadFile" in message:
        return (
            "file must be a file part of the multipart form, with a filename, "
            f"got a plain form field {quote(error.get('input'))}"
        )
    if "input" in error and error.get("type") not in ("extra_forbidden", "array_item"):
        return f"{message}, got {quote(error['input'])}"
    return message


def _json_error(errors: Sequence[Any], document: Any) -> str | None:
    """Return a message with the line and column of a JSON syntax error.

    FastAPI puts the character offset of the error in loc ("body", offset),
    which would read like a field name. The offset becomes a line and a
    column here, and the field is null.
    """
    if len(errors) != 1 or errors[0].get("type") != "json_invalid":
        return None
    error = errors[0]
    reason = str(error.get("ctx", {}).get("error", "")) or "syntax error"
    loc = error.get("loc", ())
    offset = loc[-1] if loc and isinstance(loc[-1], int) else None
    if offset is None or not isinstance(document, str):
        return f"the request body is not valid JSON: {reason}"
    line = document.count("\n", 0, offset) + 1
    column = offset - document.rfind("\n", 0, offset)
    return (
        f"the request body is not valid JSON: {reason} at line {line}, column {column}"
    )


async def handle_validation_error(
    request: Request, exc: RequestValidationError
) -> ApiJSONResponse:
    all_errors = exc.errors()
    errors: list[dict[str, str | None]] = [
        {"field": _field_path(error), "message": _error_message(error)}
        for error in all_errors[:MAX_LISTED_ERRORS]
    ]
    json_error = _json_error(all_errors, exc.body)
    if json_error is not None:
        errors = [{"field": None, "message": json_error}]
    field: str | None = errors[0]["field"] if errors else None
    message = str(errors[0]["message"]) if errors else "invalid request"
    detail = f"{field}: {message}" if field else message
    if len(all_errors) > len(errors):
        detail += f" ({len(all_errors)} errors, the first {len(errors)} listed)"
    logger.info(
        "request %s: 422 %s %s: %s",
        request_id(request),
        request.method,
        request.url.path,
        detail,
    )
    return ApiJSONResponse(
        _body(detail, field, errors=errors, error_count=len(all_errors)),
        status_code=422,
    )


# Starlette's and FastAPI's 400 messages for bodies they cannot parse, mapped
# to the (field, message) pair that the API returns instead.
_PARSE_ERRORS: dict[str, tuple[str | None, str]] = {
    "Invalid multipart data.": (
        "file",
        "the multipart form data could not be parsed: it is malformed, or a "
        "part's header line is longer than python-multipart's limit of 4224 "
        "bytes, which a file name of more than about 4000 characters exceeds; "
        "send the file with a shorter name",
    ),
    "There was an error parsing the body": (
        None,
        "the request body could not be read as JSON: it is not UTF-8, its "
        "arrays and objects are nested more than about 900 levels deep, or it "
        "has a whole number of more than 4300 digits; send JSON encoded as "
        "UTF-8",
    ),
}


def _path_matches(template: str, path: str) -> bool:
    """Match a path against an OpenAPI path template such as /api/networks/{id}."""
    template_parts = template.strip("/").split("/")
    path_parts = path.strip("/").split("/")
    if len(template_parts) != len(path_parts):
        return False
    return all(
        (want.startswith("{") and want.endswith("}") and part != "") or want == part
        for want, part in zip(template_parts, path_parts, strict=True)
    )


def _allowed_methods(request: Request) -> str:
    """Return the Allow header: the methods of every route matching the path.

    Starlette lists only the methods of the first route whose path matches,
    but /api/networks/{network_id} and /api/networks/import, say, both match
    /api/networks/import. The routes are read from the OpenAPI schema, so a
    path outside it gets an empty string.
    """
    methods: set[str] = set()
    paths = request.app.openapi().get("paths", {})
    for template, operations in paths.items():
        if _path_matches(template, request.url.path):
            methods.update(
                method.upper() for method in operations if method in _HTTP_METHODS
            )
    return ", ".join(sorted(methods))


_HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


async def handle_http_error(request: Request, exc: HTTPException) -> ApiJSONResponse:
    field = getattr(exc, "field", None)
    extra = getattr(exc, "extra", {})
    detail = str(exc.detail)
    headers = dict(exc.headers or {})
    if exc.status_code == 400 and detail in _PARSE_ERRORS:
        field, detail = _PARSE_ERRORS[detail]
    if exc.status_code == 405:
        allowed = _allowed_methods(request)
        if allowed:
            headers["Allow"] = allowed
            detail = f"method {request.method} is not allowed here; use {allowed}"
    if exc.status_code >= 500:
        logger.error(
            "request %s: %s %s", request_id(request), exc.status_code, exc.detail
        )
    else:
        logger.info(
            "request %s: %s %s %s: %s",
            request_id(request),
            exc.status_code,
            request.method,
            request.url.path,
            detail,
        )
    return ApiJSONResponse(
        _body(detail, field, **extra),
        status_code=exc.status_code,
        headers=headers or None,
    )


async def handle_divergence(request: Request, exc: DivergenceError) -> ApiJSONResponse:
    logger.info("request %s: 422 divergence: %s", request_id(request), exc)
    return ApiJSONResponse(
        _body(
            str(exc),
            None,
            layer=exc.layer,
            quantity=exc.quantity,
            after_update=exc.after_update,
        ),
        status_code=422,
    )


async def handle_value_error(request: Request, exc: ValueError) -> ApiJSONResponse:
    # Handlers turn the ValueErrors they expect into ApiError with a field.
    # This handler catches the rest, which the engine or the data sets raise
    # on input that the request models could not check.
    extra: dict[str, Any] = {}
    for name in ("row", "column"):
        if hasattr(exc, name):
            extra[name] = getattr(exc, name)
    logger.warning(
        "request %s: 422 from an unmapped ValueError in %s %s: %s",
        request_id(request),
        request.method,
        request.url.path,
        exc,
    )
    return ApiJSONResponse(_body(str(exc), None, **extra), status_code=422)


async def handle_database_error(
    request: Request, exc: sqlite3.OperationalError
) -> ApiJSONResponse:
    rid = request_id(request)
    if "locked" in str(exc) or "busy" in str(exc):
        logger.warning("request %s: database busy: %s", rid, exc)
        return ApiJSONResponse(
            _body("the database is busy; retry the request in a few seconds", None),
            status_code=503,
            headers={"Retry-After": "2"},
        )
    logger.exception("request %s: database error", rid)
    return ApiJSONResponse(
        _body(f"internal database error (request id {rid})", None, request_id=rid),
        status_code=500,
    )


async def handle_unexpected(request: Request, exc: Exception) -> ApiJSONResponse:
    rid = request_id(request)
    logger.exception(
        "request %s: unexpected error in %s %s", rid, request.method, request.url.path
    )
    return ApiJSONResponse(
        _body(f"internal server error (request id {rid})", None, request_id=rid),
        status_code=500,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, handle_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, handle_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(DivergenceError, handle_divergence)  # type: ignore[arg-type]
    app.add_exception_handler(ValueError, handle_value_error)  # type: ignore[arg-type]
    app.add_exception_handler(sqlite3.OperationalError, handle_database_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, handle_unexpected)


# Leading words of engine messages -> the API field they are about.
_ENGINE_FIELDS = {
    "eta": "learning_rate",
    "lmbda": "l2",
    "mu": "momentum",
    "softmax": "output_activation",
    "cost": "cost",
    "output_activation": "output_activation",
    "hidden_activation": "hidden_activation",
    "batch_size": "batch_size",
    "seed": "seed",
    "init": "init",
    "leaky_slope": "leaky_slope",
    "input": "input",
    "target": "target",
    "weights": "weights",
    "biases": "biases",
    "velocity_w": "velocity_w",
    "velocity_b": "velocity_b",
    "initial": "initial",
    "initial.weights": "initial.weights",
    "initial.biases": "initial.biases",
}
_ENGINE_INDEXED = re.compile(
    r"^((?:initial\.)?(?:weights|biases)|velocity_[wb]|sizes)\[(\d+)\]"
)


def engine_field(message: str, default: str | None) -> str | None:
    """Return the API field that an engine ValueError message is about."""
    indexed = _ENGINE_INDEXED.match(message)
    if indexed:
        return f"{indexed.group(1)}.{indexed.group(2)}"
    first = message.split(" ", 1)[0]
    return _ENGINE_FIELDS.get(first, default)


def engine_error(exc: ValueError, default_field: str | None = None) -> ApiError:
    """Return a 422 for an engine ValueError, naming the field it is about."""
    message = str(exc)
    return ApiError(422, message, engine_field(message, default_field))
