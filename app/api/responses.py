"""The JSON response class of the API: orjson with numpy arrays, and no NaN.

JSON has no NaN or infinity, and orjson would write them as null, which
hides that a value overflowed. Here they are written as the strings "NaN",
"Infinity" and "-Infinity". Arrays are passed to orjson as numpy arrays
(OPT_SERIALIZE_NUMPY) after one finiteness check each. Only an array that
fails the check is converted element by element.
"""

import math
from typing import Any

import numpy as np
import orjson
from fastapi.responses import JSONResponse

NON_FINITE_TEXT = ("NaN", "Infinity", "-Infinity")


def _float_text(value: float) -> float | str:
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _array(arr: np.ndarray) -> Any:
    if arr.dtype.kind == "f":
        # A sum is finite only if every term is finite, so one reduction
        # checks the array. A sum that overflows only sends it the slow way.
        if math.isfinite(np.add.reduce(arr, axis=None)):
            return np.ascontiguousarray(arr, dtype=np.float64)
        values = arr.astype(object)
        for index in zip(*np.nonzero(~np.isfinite(arr)), strict=True):
            values[index] = _float_text(float(arr[index]))
        return values.tolist()
    if arr.dtype.kind in "iub":
        return np.ascontiguousarray(
            arr, dtype=np.int64 if arr.dtype.kind != "b" else bool
        )
    return arr.tolist()


def make_jsonable(value: Any) -> Any:
    """Return value with non-finite floats as strings and arrays ready for orjson."""
    if isinstance(value, dict):
        return {key: make_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [make_jsonable(item) for item in value]
    if isinstance(value, np.ndarray):
        return _array(value)
    if isinstance(value, float | np.floating):
        return _float_text(float(value))
    if isinstance(value, int) and not isinstance(value, bool):
        # orjson writes only 64-bit integers; a larger one can come back only
        # inside an error message's extra keys, quoted from a request.
        return value if -(2**63) <= value < 2**64 else str(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def dumps(content: Any) -> bytes:
    # The finiteness sums may overflow, which is expected and not an error.
    with np.errstate(over="ignore", invalid="ignore"):
        ready = make_jsonable(content)
    return orjson.dumps(ready, option=orjson.OPT_SERIALIZE_NUMPY)


class ApiJSONResponse(JSONResponse):
    """JSONResponse rendered by orjson, with non-finite floats as strings."""

    def render(self, content: Any) -> bytes:
        return dumps(content)
