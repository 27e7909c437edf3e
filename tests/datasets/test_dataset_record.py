"""Tests of the Dataset record and of the seeded split helpers."""

import numpy as np
import pytest

from app.datasets import Dataset
from app.datasets.split import count_test_examples, share_by_class, split_indices


def make_dataset(**changes):
    fields = {
        "name": "tiny",
        "title": "Tiny",
        "task": "classification",
        "x_train": np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]),
        "y_train": np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]),
        "x_test": np.array([[0.2, 0.8]]),
        "y_test": np.array([[1.0, 0.0]]),
        "feature_names": ["p", "q"],
        "class_names": ["no", "yes"],
        "input_range": (0.0, 1.0),
        "description": "",
        "source": "",
        "license": "",
    }
    fields.update(changes)
    return Dataset(**fields)


def test_dataset_labels_per_split():
    dataset = make_dataset()
    assert dataset.labels("train").tolist() == [0, 1, 1]
    assert dataset.labels("test").tolist() == [0]


def test_dataset_labels_bad_split():
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        make_dataset().labels("validation")


def test_dataset_regression_has_no_labels():
    dataset = make_dataset(
        task="regression",
        y_train=np.array([[0.1], [0.2], [0.3]]),
        y_test=np.array([[0.4]]),
        class_names=None,
    )
    assert dataset.n_outputs == 1
    with pytest.raises(ValueError, match="regression"):
        dataset.labels("train")


def test_dataset_copies_input_arrays():
    x_train = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
    dataset = make_dataset(x_train=x_train)
    x_train[0, 0] = 9.0
    assert dataset.x_train[0, 0] == 0.0
    assert not dataset.x_train.flags.writeable


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"x_test": np.array([[0.2, 0.8, 0.1]])}, "x_test has 3 columns"),
        ({"y_test": np.array([[1.0]])}, "y_test has 1 columns"),
        ({"y_train": np.array([[1.0, 0.0]])}, "different numbers of rows"),
        ({"feature_names": ["p"]}, "1 feature names for 2 inputs"),
        ({"class_names": ["only"]}, "one class name per output"),
        ({"x_train": np.array([0.0, 1.0, 0.5])}, "2-D"),
    ],
)
def test_dataset_rejects_inconsistent_fields(changes, message):
    with pytest.raises(ValueError, match=message):
        make_dataset(**changes)


def test_dataset_describe_fields():
    described = make_dataset().describe()
    assert set(described) == {
        "name",
        "title",
        "kind",
        "task",
        "n_inputs",
        "n_outputs",
        "n_train",
        "n_test",
        "feature_names",
        "class_names",
        "input_range",
        "image_shape",
        "description",
        "source",
        "license",
        "options",
    }
    assert described["n_train"] == 3
    assert described["n_test"] == 1


@pytest.mark.parametrize(
    ("n", "fraction", "expected"),
    [(200, 0.2, 40), (25, 0.5, 13), (10, 0.25, 3), (4, 0.9, 3), (1, 0.5, 0), (9, 0, 0)],
)
def test_count_test_examples(n, fraction, expected):
    assert count_test_examples(n, fraction) == expected


def test_share_by_class_largest_remainder():
    shares = share_by_class(np.array([5, 3, 2]), 5)
    # Exact shares 2.5, 1.5 and 1.0: the first two remainders tie at 0.5 and
    # the lower class index wins.
    assert shares.tolist() == [3, 1, 1]


def test_split_indices_partition():
    labels = np.array([0, 1, 2] * 7 + [0])
    rng = np.random.default_rng(0)
    train, test = split_indices(22, 0.3, rng, labels)
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(22))
    assert len(test) == 7
