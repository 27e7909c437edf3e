"""Data sets for backprop-viz: toy problems, iris, digits and CSV uploads.

Every data set is a Dataset with float64 arrays x (m, n_inputs) and
y (m, n_outputs), split into training and test examples. Classification
targets are one-hot. app.datasets.builtin documents the scaling of each
built-in set, and app.datasets.csv_upload the rules for uploaded files.
"""

from app.datasets.builtin import (
    BUILTIN_NAMES,
    MAX_NOISE,
    MAX_SAMPLES,
    MAX_TEST_FRACTION,
    MIN_SAMPLES,
    list_builtin,
    load_builtin,
)
from app.datasets.csv_upload import MAX_NUMERIC_CLASSES, CsvError, parse_csv
from app.datasets.dataset import Dataset

__all__ = [
    "BUILTIN_NAMES",
    "MAX_NOISE",
    "MAX_NUMERIC_CLASSES",
    "MAX_SAMPLES",
    "MAX_TEST_FRACTION",
    "MIN_SAMPLES",
    "CsvError",
    "Dataset",
    "list_builtin",
    "load_builtin",
    "parse_csv",
]
