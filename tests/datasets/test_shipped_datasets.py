"""Tests of the iris and digits data sets shipped in app/datasets/data."""

import csv
import gzip
import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

import app.datasets
from app.datasets import load_builtin

DATA_DIR = Path(app.datasets.__file__).with_name("data")

# Published facts about the data, independent of the files and the code:
# the minimum and maximum of each iris measurement in cm (Fisher 1936, as
# summarised in scikit-learn's description) and the class counts of the UCI
# optical digits test set.
IRIS_MIN = [4.3, 2.0, 1.0, 0.1]
IRIS_MAX = [7.9, 4.4, 6.9, 2.5]
DIGIT_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def read_iris_file():
    with (DATA_DIR / "iris.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], [[float(cell) for cell in row] for row in rows[1:]]


def read_digits_file():
    with gzip.open(DATA_DIR / "digits.csv.gz", "rt", newline="") as handle:
        return [[float(cell) for cell in row] for row in csv.reader(handle)]


def contains_row(matrix, row):
    return bool(np.any(np.all(np.isclose(matrix, row), axis=1)))


def all_rows(dataset):
    x = np.vstack([dataset.x_train, dataset.x_test])
    y = np.vstack([dataset.y_train, dataset.y_test])
    return x, y


def test_iris_counts():
    dataset = load_builtin("iris")
    assert dataset.n_train + dataset.n_test == 150
    assert dataset.n_test == 30
    assert dataset.n_inputs == 4
    assert dataset.n_outputs == 3
    _, y = all_rows(dataset)
    assert y.sum(axis=0).tolist() == [50.0, 50.0, 50.0]
    assert dataset.y_test.sum(axis=0).tolist() == [10.0, 10.0, 10.0]


def test_iris_names():
    dataset = load_builtin("iris")
    assert dataset.class_names == ["setosa", "versicolor", "virginica"]
    assert dataset.feature_names == [
        "sepal length (cm)",
        "sepal width (cm)",
        "petal length (cm)",
        "petal width (cm)",
    ]
    assert dataset.task == "classification"
    assert dataset.image_shape is None


def test_iris_file_matches_published_facts():
    header, rows = read_iris_file()
    table = np.array(rows)
    assert header == ["150", "4", "setosa", "versicolor", "virginica"]
    assert table.shape == (150, 5)
    assert table[:, :4].min(axis=0).tolist() == IRIS_MIN
    assert table[:, :4].max(axis=0).tolist() == IRIS_MAX
    # Fisher's first and last examples.
    assert table[0].tolist() == [5.1, 3.5, 1.4, 0.2, 0.0]
    assert table[-1].tolist() == [5.9, 3.0, 5.1, 1.8, 2.0]


def test_iris_known_examples_scaled():
    x, y = all_rows(load_builtin("iris"))
    low = np.array(IRIS_MIN)
    span = np.array(IRIS_MAX) - low
    first = (np.array([5.1, 3.5, 1.4, 0.2]) - low) / span
    last = (np.array([5.9, 3.0, 5.1, 1.8]) - low) / span
    setosa = y[:, 0] == 1.0
    virginica = y[:, 2] == 1.0
    assert contains_row(x[setosa], first)
    assert contains_row(x[virginica], last)
    assert not contains_row(x[virginica], first)


def test_iris_inputs_scaled_per_feature():
    dataset = load_builtin("iris")
    x, _ = all_rows(dataset)
    assert dataset.input_range == (0.0, 1.0)
    assert x.min(axis=0).tolist() == [0.0, 0.0, 0.0, 0.0]
    assert x.max(axis=0).tolist() == [1.0, 1.0, 1.0, 1.0]


def test_iris_split_follows_seed():
    first = load_builtin("iris", seed=5, test_fraction=0.4)
    second = load_builtin("iris", seed=5, test_fraction=0.4)
    other = load_builtin("iris", seed=6, test_fraction=0.4)
    assert first.n_test == 60
    assert np.array_equal(first.x_test, second.x_test)
    assert not np.array_equal(first.x_test, other.x_test)


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("iris", {"samples": 10}, "samples does not apply to iris"),
        ("digits", {"samples": 100}, "samples does not apply to digits"),
        ("iris", {"noise": 0.0}, "noise does not apply to iris"),
    ],
)
def test_fixed_examples_reject_options(
    name: str, options: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        load_builtin(name, **options)


def test_fixed_count_accepted_as_samples():
    plain = load_builtin("iris", seed=2)
    with_count = load_builtin("iris", seed=2, samples=150)
    assert np.array_equal(plain.x_train, with_count.x_train)
    assert np.array_equal(plain.y_test, with_count.y_test)
    assert with_count.options["samples"] == 150


def test_digits_counts():
    dataset = load_builtin("digits")
    assert dataset.n_train + dataset.n_test == 1797
    assert dataset.n_test == 359
    assert dataset.n_inputs == 64
    assert dataset.n_outputs == 10
    _, y = all_rows(dataset)
    assert y.sum(axis=0).tolist() == [float(count) for count in DIGIT_COUNTS]


def test_digits_names_and_image_shape():
    dataset = load_builtin("digits")
    assert dataset.class_names == [str(digit) for digit in range(10)]
    assert dataset.image_shape == (8, 8)
    assert len(dataset.feature_names) == 64
    assert dataset.feature_names[9] == "pixel row 1 column 1"
    assert dataset.describe()["image_shape"] == [8, 8]


def test_digits_pixels_in_sixteenths():
    x, _ = all_rows(load_builtin("digits"))
    assert x.min() == 0.0
    assert x.max() == 1.0
    assert np.array_equal(x * 16.0, np.round(x * 16.0))


def test_digits_known_examples():
    rows = np.array(read_digits_file())
    assert rows.shape == (1797, 65)
    assert np.bincount(rows[:, 64].astype(int)).tolist() == DIGIT_COUNTS
    x, y = all_rows(load_builtin("digits"))
    labels = np.argmax(y, axis=1)
    for row in (rows[0], rows[1], rows[-1]):
        digit = int(row[64])
        assert contains_row(x[labels == digit], row[:64] / 16.0)


def test_digits_first_image_is_zero():
    # The file's first image is a 0: a ring of ink around an empty centre.
    first = np.array(read_digits_file()[0])
    image = first[:64].reshape(8, 8)
    assert first[64] == 0.0
    assert image[3:5, 3:5].sum() == 0.0
    assert image[0].sum() > 0.0
    assert image[:, 1].sum() > 0.0


def test_digits_stratified_split():
    dataset = load_builtin("digits", seed=1, test_fraction=0.5)
    test_counts = dataset.y_test.sum(axis=0)
    train_counts = dataset.y_train.sum(axis=0)
    assert np.all(np.abs(test_counts - train_counts) <= 1.0)
    # 1797 * 0.5 = 898.5, rounded half up.
    assert dataset.n_test == 899


@pytest.mark.parametrize("name", ["iris", "digits"])
def test_real_describe(name):
    described = load_builtin(name).describe()
    assert described["kind"] == "real"
    assert "CC BY 4.0" in described["license"]
    assert "UCI" in described["source"]


@pytest.mark.parametrize("name", ["iris", "digits"])
def test_real_arrays_read_only(name):
    dataset = load_builtin(name)
    with pytest.raises(ValueError):
        dataset.x_train[0, 0] = 1.0


@pytest.mark.parametrize("file_name", ["iris.csv", "digits.csv.gz"])
def test_data_readme_checksum(file_name):
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"\| {re.escape(file_name)} \| ([0-9a-f]{{64}}) \|", readme)
    assert match is not None
    digest = hashlib.sha256((DATA_DIR / file_name).read_bytes()).hexdigest()
    assert digest == match.group(1)


def test_scikit_learn_licence_shipped():
    text = (DATA_DIR / "LICENSE-scikit-learn.txt").read_text(encoding="utf-8")
    assert text.startswith("BSD 3-Clause License")
