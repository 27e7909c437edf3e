"""Readers of the real data files shipped in app/datasets/data.

data/README.md gives each file's source, licence and format. The readers
return the raw values, and app.datasets.builtin scales and splits them.
"""

import functools
import logging
from pathlib import Path

import numpy as np

from app.datasets.dataset import FloatArray, IntArray

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).with_name("data")
IRIS_FILE = DATA_DIR / "iris.csv"
DIGITS_FILE = DATA_DIR / "digits.csv.gz"

IRIS_FEATURES = [
    "sepal length (cm)",
    "sepal width (cm)",
    "petal length (cm)",
    "petal width (cm)",
]
IRIS_CLASSES = ["setosa", "versicolor", "virginica"]
DIGITS_SHAPE = (8, 8)
DIGITS_FEATURES = [
    f"pixel row {row} column {column}"
    for row in range(DIGITS_SHAPE[0])
    for column in range(DIGITS_SHAPE[1])
]
DIGITS_CLASSES = [str(digit) for digit in range(10)]
DIGITS_MAX_PIXEL = 16.0


@functools.cache
def read_iris() -> tuple[FloatArray, IntArray]:
    """Return the 150 x 4 iris measurements in cm and the class index 0..2.

    The file's first line is "150,4,setosa,versicolor,virginica" (row count,
    feature count, class names) and each later line contains the 4
    measurements and the class index.
    """
    table = np.loadtxt(IRIS_FILE, delimiter=",", skiprows=1, dtype=np.float64)
    x = table[:, :4]
    labels = table[:, 4].astype(np.int64)
    logger.debug("read %d iris examples from %s", x.shape[0], IRIS_FILE)
    x.setflags(write=False)
    labels.setflags(write=False)
    return x, labels


@functools.cache
def read_digits() -> tuple[FloatArray, IntArray]:
    """Return the 1797 x 64 digit pixels (0..16) and the digit 0..9.

    Each line of the gzip-compressed file contains the 64 pixel counts of an
    8x8 image, row by row, then the digit.
    """
    table = np.loadtxt(DIGITS_FILE, delimiter=",", dtype=np.float64)
    x = table[:, :64]
    labels = table[:, 64].astype(np.int64)
    logger.debug("read %d digit examples from %s", x.shape[0], DIGITS_FILE)
    x.setflags(write=False)
    labels.setflags(write=False)
    return x, labels
