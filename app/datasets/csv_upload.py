"""Parsing of uploaded CSV files into a Dataset.

The file is UTF-8 text (a byte order mark is allowed) with comma-separated
cells, LF or CRLF line ends and a header row of column names. Every column
except the target contains numbers. Blank lines are skipped.

The target column is a classification target when any of its labels is not
a number, or when all labels are whole numbers with at most
MAX_NUMERIC_CLASSES distinct values (e.g. 0/1 or 1..10). Otherwise it is a
regression target and its values are kept as given. Class names are the
labels, sorted (numerically for numeric labels, written without ".0").

Inputs are min-max scaled per column to [0, 1] over the whole file, and a
constant column becomes 0. Each error is a CsvError that names the line
(the header is line 1) and the column where it can.
"""

import csv
import io
import logging
import math
import re

import numpy as np

from app.datasets.builtin import (
    MAX_TEST_FRACTION,
    check_fraction_option,
    check_seed,
)
from app.datasets.dataset import Dataset, FloatArray, IntArray, Task
from app.datasets.split import one_hot, split_indices

logger = logging.getLogger(__name__)

MAX_NUMERIC_CLASSES = 20
MIN_SPLIT_EXAMPLES = 2
UPLOAD_SOURCE = "uploaded CSV file"
UPLOAD_LICENSE = "as given by the person who uploaded the file"


class CsvError(ValueError):
    """A rejected CSV file, with the line (1-based) and column name at fault.

    row is the file's line number, counting the header as line 1, or None
    when the error is about the whole file. column is a header name or None.
    """

    def __init__(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        limit: tuple[str, int] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column
        # The parse_csv argument that was exceeded, and its value.
        self.limit = limit


def parse_csv(
    data: bytes,
    target: str,
    *,
    name: str,
    max_bytes: int,
    max_rows: int,
    max_columns: int,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> Dataset:
    """Parse an uploaded CSV file into a Dataset split by a seeded permutation.

    max_rows counts data rows (not the header) and max_columns counts all
    columns, the target included. Raises CsvError for a bad file and
    ValueError for an invalid test_fraction or seed.
    """
    test_fraction = check_fraction_option(
        "test_fraction", test_fraction, MAX_TEST_FRACTION
    )
    seed = check_seed(seed)
    if len(data) > max_bytes:
        raise CsvError(f"file is {len(data)} bytes, more than the limit of {max_bytes}")

    text = _decode(data)
    header, header_line, rows = _read_rows(text, max_rows, max_columns)
    target = target.strip()
    if target not in header:
        raise CsvError(
            f"target column {target!r} not found. The columns are "
            + ", ".join(repr(column) for column in header),
            column=target,
        )
    if len(header) < 2:
        raise CsvError(
            "the file has only the target column. Add at least one feature column",
            row=header_line,
        )

    target_index = header.index(target)
    feature_names = [column for column in header if column != target]
    x = _parse_features(header, target_index, rows)
    task, y, labels, class_names = _parse_target(target, target_index, rows)

    rng = np.random.default_rng(seed)
    train, test = split_indices(x.shape[0], test_fraction, rng, labels)
    _check_split_sizes(len(rows), test_fraction, len(train), len(test))

    x = _scale_columns(x)
    logger.info(
        "parsed CSV upload %r: %d rows, %d features, target %r (%s)",
        name,
        len(rows),
        len(feature_names),
        target,
        task,
    )
    return Dataset(
        name=name,
        title=name,
        task=task,
        x_train=x[train],
        y_train=y[train],
        x_test=x[test],
        y_test=y[test],
        feature_names=feature_names,
        class_names=class_names,
        input_range=(0.0, 1.0),
        description=(
            f"Uploaded CSV file with {len(rows)} rows and target column {target!r} "
            f"({task}). Inputs are min-max scaled per column to [0, 1]."
        ),
        source=UPLOAD_SOURCE,
        license=UPLOAD_LICENSE,
        options={
            "seed": seed,
            "samples": len(rows),
            "noise": None,
            "test_fraction": test_fraction,
            "target": target,
        },
        kind="upload",
    )


Row = tuple[int, list[str]]


def _decode(data: bytes) -> str:
    if not data.strip():
        raise CsvError("the file is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CsvError(
            f"line {line}: byte {data[error.start]:#04x} is not valid UTF-8 text. "
            "Save the file as UTF-8",
            row=line,
        ) from error


def _read_rows(
    text: str, max_rows: int, max_columns: int
) -> tuple[list[str], int, list[Row]]:
    """Return the header names, the header's line and the (line, cells) rows."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    header_line = 0
    rows: list[Row] = []
    try:
        for cells in reader:
            if _is_blank(cells):
                continue
            if header is None:
                header_line = reader.line_num
                header = _check_header(cells, header_line, max_columns)
                continue
            if len(rows) >= max_rows:
                raise CsvError(
                    f"line {reader.line_num}: the file has more than {max_rows} "
                    f"data rows, above the limit of {max_rows}",
                    row=reader.line_num,
                    limit=("max_rows", max_rows),
                )
            if len(cells) != len(header):
                raise CsvError(
                    f"line {reader.line_num} has {len(cells)} cells, but the "
                    f"header has {len(header)} columns",
                    row=reader.line_num,
                )
            rows.append((reader.line_num, [cell.strip() for cell in cells]))
    except csv.Error as error:
        raise CsvError(
            f"line {reader.line_num}: invalid CSV ({error})", row=reader.line_num
        ) from error

    if header is None:
        raise CsvError("the file is empty")
    if not rows:
        raise CsvError("the file has a header but no data rows", row=header_line)
    return header, header_line, rows


def _is_blank(cells: list[str]) -> bool:
    return len(cells) <= 1 and not "".join(cells).strip()


def _check_header(cells: list[str], line: int, max_columns: int) -> list[str]:
    names = [cell.strip() for cell in cells]
    if len(names) > max_columns:
        raise CsvError(
            f"the header has {len(names)} columns, above the limit of {max_columns}",
            row=line,
            limit=("max_columns", max_columns),
        )
    if all(_to_float(name) is not None for name in names):
        raise CsvError(
            f"line {line} contains only numbers, so the header row is missing. "
            "Add a first row with the column names",
            row=line,
        )
    seen: set[str] = set()
    for position, column in enumerate(names, start=1):
        if not column:
            raise CsvError(
                f"line {line}: column {position} of the header has no name", row=line
            )
        if column in seen:
            raise CsvError(
                f"line {line}: column name {column!r} appears more than once",
                row=line,
                column=column,
            )
        seen.add(column)
    return names


# A number as written in a CSV file: ASCII digits with an optional sign,
# decimal point and exponent, or a spelling of NaN or infinity (rejected
# later with its own message). Python's float() also takes "1_000", spaces
# and digits of other scripts, which a spreadsheet would not read as numbers.
_NUMBER = re.compile(
    r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|nan|inf|infinity)",
    re.IGNORECASE | re.ASCII,
)


def _to_float(cell: str) -> float | None:
    if _NUMBER.fullmatch(cell) is None:
        return None
    return float(cell)


def _parse_number(cell: str, line: int, column: str) -> float:
    if not cell:
        raise CsvError(
            f"line {line}, column {column!r}: the cell is empty",
            row=line,
            column=column,
        )
    number = _to_float(cell)
    if number is None:
        raise CsvError(
            f"line {line}, column {column!r}: {cell!r} is not a number",
            row=line,
            column=column,
        )
    if not math.isfinite(number):
        raise CsvError(
            f"line {line}, column {column!r}: {cell!r} is not a finite number "
            "(NaN and infinity are not allowed)",
            row=line,
            column=column,
        )
    return number


def _parse_features(
    header: list[str], target_index: int, rows: list[Row]
) -> FloatArray:
    feature_indices = [i for i in range(len(header)) if i != target_index]
    x = np.empty((len(rows), len(feature_indices)))
    for i, (line, cells) in enumerate(rows):
        for k, column_index in enumerate(feature_indices):
            x[i, k] = _parse_number(cells[column_index], line, header[column_index])
    return x


def _parse_target(
    target: str, target_index: int, rows: list[Row]
) -> tuple[Task, FloatArray, IntArray | None, list[str] | None]:
    """Return (task, y, class labels or None, class names or None)."""
    cells = [(line, values[target_index]) for line, values in rows]
    for line, cell in cells:
        if not cell:
            raise CsvError(
                f"line {line}, column {target!r}: the target cell is empty",
                row=line,
                column=target,
            )

    numbers = [_to_float(cell) for _, cell in cells]
    if any(number is None for number in numbers):
        names = sorted({cell for _, cell in cells})
        return _classification(target, [cell for _, cell in cells], names)

    values = [_parse_number(cell, line, target) for line, cell in cells]
    distinct = sorted(set(values))
    if len(distinct) <= MAX_NUMERIC_CLASSES and all(v.is_integer() for v in distinct):
        names = [str(int(v)) for v in distinct]
        return _classification(target, [str(int(v)) for v in values], names)

    y = np.array(values).reshape(-1, 1)
    return "regression", y, None, None


def _classification(
    target: str, labels: list[str], names: list[str]
) -> tuple[Task, FloatArray, IntArray, list[str]]:
    if len(names) < 2:
        raise CsvError(
            f"target column {target!r} has only one class ({names[0]!r}), but "
            "classification needs at least two",
            column=target,
        )
    index = {label: j for j, label in enumerate(names)}
    label_indices = np.array([index[label] for label in labels], dtype=np.int64)
    return "classification", one_hot(label_indices, len(names)), label_indices, names


def _check_split_sizes(
    n_rows: int, test_fraction: float, n_train: int, n_test: int
) -> None:
    too_few_test = test_fraction > 0.0 and n_test < MIN_SPLIT_EXAMPLES
    if n_train < MIN_SPLIT_EXAMPLES or too_few_test:
        raise CsvError(
            f"the file has {n_rows} data rows, which test_fraction {test_fraction} "
            f"splits into {n_train} training and {n_test} test examples. Each "
            f"split needs at least {MIN_SPLIT_EXAMPLES}, so add rows or change "
            "test_fraction"
        )


def _scale_columns(x: FloatArray) -> FloatArray:
    """Scale each column to [0, 1] by its minimum and maximum.

    max - min overflows when a column contains numbers near both +1.8e308 and
    -1.8e308. Such columns are scaled from halved values, whose differences
    cannot overflow. Halving is exact for numbers of normal size, so the
    result is the same as unhalved wherever both forms are finite.
    """
    lo, hi = x.min(axis=0), x.max(axis=0)
    with np.errstate(over="ignore"):
        span = hi - lo
    halve = ~np.isfinite(span)
    if halve.any():
        x = np.where(halve, x / 2.0, x)
        lo = np.where(halve, lo / 2.0, lo)
        span = np.where(halve, hi / 2.0 - lo, span)
    safe_span = np.where(span > 0.0, span, 1.0)
    scaled: FloatArray = np.where(span > 0.0, (x - lo) / safe_span, 0.0)
    return scaled
