"""Types shared by the request and response models."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# Largest |value| accepted for an input or a target. Weights and biases may
# be any finite float64, as training and import can make them.
MAX_ABS_VALUE = 1e6

# A value the server computed: a float, or "NaN", "Infinity" or "-Infinity"
# when it overflowed, because JSON has no non-finite numbers.
NonFinite = Literal["NaN", "Infinity", "-Infinity"]
Number = float | NonFinite
Vector = list[Number]
Matrix = list[list[Number]]

# A value sent by a client: finite, with |value| <= MAX_ABS_VALUE.
Value = Annotated[float, Field(ge=-MAX_ABS_VALUE, le=MAX_ABS_VALUE)]
# A weight or a bias sent by a client: any finite float64.
Parameter = Annotated[float, Field(allow_inf_nan=False)]
Split = Literal["train", "test"]

LAYER_NOTE = "the input is layer 0 (layer 1 in Nielsen's book)"


def request_config(json_schema_extra: dict[str, Any]) -> ConfigDict:
    """Return RequestModel's configuration with extra schema keys (examples)."""
    return ConfigDict(
        strict=True,
        allow_inf_nan=False,
        extra="forbid",
        json_schema_extra=json_schema_extra,
    )


def response_config(json_schema_extra: dict[str, Any]) -> ConfigDict:
    """Return ResponseModel's configuration with extra schema keys (examples)."""
    return ConfigDict(extra="allow", json_schema_extra=json_schema_extra)


class RequestModel(BaseModel):
    """Base of request bodies: strict types, finite floats, no unknown fields.

    Strict mode still accepts a whole number where a float is expected, but
    not a string such as "1.5" or a boolean.
    """

    model_config = ConfigDict(strict=True, allow_inf_nan=False, extra="forbid")


class ResponseModel(BaseModel):
    """Base of response bodies, which the routes build as plain dicts.

    The models exist for the OpenAPI schema; the routes return orjson
    responses directly, so FastAPI never validates or encodes through them.
    """

    model_config = ConfigDict(extra="allow")


class ErrorResponse(BaseModel):
    """The body of every 4xx and 5xx response."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "detail": "sizes[0] is 3 but the data set xor has 2 inputs",
                    "field": "sizes.0",
                }
            ]
        },
    )

    detail: str = Field(description="What is wrong, naming the value and the limit")
    field: str | None = Field(
        default=None, description="Dotted path of the field at fault, or null"
    )


ERROR_TEXT = {
    400: "Malformed request",
    404: "Unknown id or name",
    405: "Method not allowed",
    409: "Conflict, such as a network that is training or an empty history",
    413: "Request body or upload too large",
    422: "Invalid request; detail and field say what is wrong",
    429: "Too many training jobs are running",
    500: "Internal error (a bug); the body has a request id to report",
    503: "The database is busy; retry",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Return the `responses` argument documenting the given error codes.

    400, 413, 422 and 500 are added to every route, because any request can
    send a body that cannot be parsed, hit the body size limit or fail
    validation.
    """
    all_codes = sorted({*codes, 400, 413, 422, 500})
    return {
        code: {"model": ErrorResponse, "description": ERROR_TEXT[code]}
        for code in all_codes
    }
