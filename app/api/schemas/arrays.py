"""Numeric arrays and lists of objects in request bodies, validated in bulk.

Pydantic reports one error per invalid list item, so a body of a few
megabytes such as {"weights": [1, 1, ..., "a", "a", ...]} would build
millions of error objects and block the event loop for many seconds. The
types here check a whole array with numpy, then fall back to an item-by-item
scan only when the array is invalid. That scan reports one invalid item
(the first of the first kind of problem found) and counts the others, so
every invalid array gives one error.
The JSON schema stays that of the plain list types.
"""

import math
from collections.abc import Callable
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, Field, TypeAdapter, ValidationError, WrapValidator
from pydantic_core import PydanticCustomError

from app.api.errors import quote
from app.api.schemas.common import MAX_ABS_VALUE, Value

# Error type of an invalid array item; errors.py appends ctx["item"] to the
# field path.
ARRAY_ITEM_ERROR = "array_item"
# Largest index of an example that a request may name.
MAX_INDEX = 2**31
# A whole number above this rounds to infinity as a float.
FLOAT64_MAX = int(np.finfo(np.float64).max)


def _leaf_problem(
    item: Any, integer: bool, low: float | None, high: float | None
) -> str | None:
    """Return what is wrong with one array item, or None if it is valid."""
    kind = type(item)
    if integer:
        if kind is not int:
            return "must be a whole number"
    elif kind is not float and kind is not int:
        return "must be a number"
    elif kind is float and not math.isfinite(item):
        return "must be a finite number"
    if low is not None and item < low:
        return f"must be >= {_bound_text(low)}"
    if high is not None and item > high:
        return f"must be <= {_bound_text(high)}"
    if integer and not -(2**63) <= item < 2**63:
        return "must be a whole number between -2^63 and 2^63 - 1"
    if kind is int and not integer and abs(item) > FLOAT64_MAX:
        return "must be a number of float64 size (at most about 1.8e308 in magnitude)"
    return None


def _bound_text(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else f"{bound:g}"


class _Scan:
    """The invalid items found in one array: how many, and the first one."""

    def __init__(self, integer: bool, low: float | None, high: float | None) -> None:
        self.integer = integer
        self.low = low
        self.high = high
        self.allowed = (int,) if integer else (int, float)
        self.invalid = 0
        self.first: tuple[tuple[int, ...], str, Any] | None = None

    def visit(self, value: Any, ndim: int, path: tuple[int, ...]) -> None:
        if type(value) is not list:
            self._add(path, "must be an array", value, 1)
        elif ndim == 1:
            self._visit_leaf(value, path)
        else:
            # Counting with a generator runs in C-speed loops, which matters
            # for a body of millions of items that are not arrays.
            not_lists = sum(1 for row in value if type(row) is not list)
            if not_lists:
                i = next(i for i, row in enumerate(value) if type(row) is not list)
                self._add((*path, i), "must be an array", value[i], not_lists)
            for i, row in enumerate(value):
                if type(row) is list:
                    self.visit(row, ndim - 1, (*path, i))

    def _visit_leaf(self, leaf: list[Any], path: tuple[int, ...]) -> None:
        numbers = [item for item in leaf if type(item) in self.allowed]
        invalid = len(leaf) - len(numbers)
        try:
            values = np.array(numbers, dtype=np.int64 if self.integer else np.float64)
        except OverflowError:
            # A whole number beyond int64 or float64: count item by item.
            invalid = sum(1 for item in leaf if self._problem(item) is not None)
        else:
            bad = np.zeros(values.shape, dtype=bool)
            if not self.integer:
                bad |= ~np.isfinite(values)
            if self.low is not None:
                bad |= values < self.low
            if self.high is not None:
                bad |= values > self.high
            invalid += int(np.count_nonzero(bad))
        if invalid == 0:
            return
        for i, item in enumerate(leaf):
            problem = self._problem(item)
            if problem is not None:
                self._add((*path, i), problem, item, invalid)
                return

    def _problem(self, item: Any) -> str | None:
        return _leaf_problem(item, self.integer, self.low, self.high)

    def _add(self, path: tuple[int, ...], problem: str, item: Any, count: int) -> None:
        self.invalid += count
        if self.first is None:
            self.first = (path, problem, item)


def _raise_first(path: tuple[int, ...], problem: str, item: Any, invalid: int) -> None:
    message = f"{problem}, got {quote(item)}"
    if invalid > 1:
        message += f" ({invalid - 1} more items of this array are invalid)"
    raise PydanticCustomError(
        ARRAY_ITEM_ERROR,
        message,
        {"item": ".".join(str(i) for i in path), "invalid": invalid},
    )


def _check_array(
    value: Any, ndim: int, integer: bool, low: float | None, high: float | None
) -> Any:
    scan = _Scan(integer, low, high)
    scan.visit(value, ndim, ())
    if scan.first is not None:
        _raise_first(*scan.first, scan.invalid)
    return _as_python(value, ndim, integer)


def _as_python(value: list[Any], ndim: int, integer: bool) -> list[Any]:
    """Return the array with floats where floats are expected (1 -> 1.0)."""
    if integer:
        return value
    if ndim == 1:
        return [float(item) for item in value]
    return [_as_python(row, ndim - 1, integer) for row in value]


def array_validator(
    ndim: int,
    *,
    integer: bool = False,
    low: float | None = None,
    high: float | None = None,
) -> WrapValidator:
    """Return a validator of an ndim-deep list of numbers within [low, high]."""

    def validate(value: Any, handler: Callable[[Any], Any]) -> Any:
        return _check_array(value, ndim, integer, low, high)

    return WrapValidator(validate)


def first_error_validator(item_type: type[BaseModel]) -> WrapValidator:
    """Return a validator of a list of objects that stops at the first bad one."""
    adapter = TypeAdapter(item_type)

    def validate(value: Any, handler: Callable[[Any], Any]) -> Any:
        if not isinstance(value, list):
            raise PydanticCustomError(
                ARRAY_ITEM_ERROR, "must be an array", {"item": "", "invalid": 1}
            )
        items = []
        for i, item in enumerate(value):
            try:
                items.append(adapter.validate_python(item, strict=True))
            except ValidationError as exc:
                error = exc.errors(include_url=False)[0]
                path = ".".join(str(part) for part in (i, *error["loc"]))
                message = str(error["msg"]).removeprefix("Value error, ")
                raise PydanticCustomError(
                    ARRAY_ITEM_ERROR, message, {"item": path, "invalid": 1}
                ) from None
        return items

    return WrapValidator(validate)


# A value sent by a client: finite, with |value| <= MAX_ABS_VALUE.
Values = Annotated[
    list[Value], array_validator(1, low=-MAX_ABS_VALUE, high=MAX_ABS_VALUE)
]
Values2 = Annotated[
    list[list[Value]], array_validator(2, low=-MAX_ABS_VALUE, high=MAX_ABS_VALUE)
]
Values3 = Annotated[
    list[list[list[Value]]],
    array_validator(3, low=-MAX_ABS_VALUE, high=MAX_ABS_VALUE),
]
# Any finite floats: trained parameters and velocities in a document.
Floats2 = Annotated[list[list[float]], array_validator(2)]
Floats3 = Annotated[list[list[list[float]]], array_validator(3)]

Sizes = Annotated[
    list[Annotated[int, Field(ge=1)]], array_validator(1, integer=True, low=1)
]
# Indices into a data set's split.
Indices = Annotated[
    list[Annotated[int, Field(ge=0, le=MAX_INDEX)]],
    array_validator(1, integer=True, low=0, high=MAX_INDEX),
]
