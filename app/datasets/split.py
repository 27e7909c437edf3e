"""Seeded train/test splits and one-hot targets."""

import math

import numpy as np

from app.datasets.dataset import FloatArray, IntArray


def one_hot(labels: IntArray, n_classes: int) -> FloatArray:
    """Return an (m, n_classes) float64 matrix with a 1 in column labels[i]."""
    y = np.zeros((labels.shape[0], n_classes))
    y[np.arange(labels.shape[0]), labels] = 1.0
    return y


def count_test_examples(n: int, test_fraction: float) -> int:
    """Return how many of n examples go to the test split.

    The count is n * test_fraction rounded half up, kept at most n - 1 so
    that the training split is never empty.
    """
    if n <= 1:
        return 0
    return min(math.floor(n * test_fraction + 0.5), n - 1)


def share_by_class(class_sizes: IntArray, n_test: int) -> IntArray:
    """Return how many test examples each class gives, n_test in total.

    Each class gets its proportional share rounded down, and the examples
    left over go to the classes with the largest remainders (the largest
    remainder method), ties to the lower class index.
    """
    n = int(class_sizes.sum())
    exact = class_sizes * n_test / n
    shares = np.floor(exact).astype(np.int64)
    left_over = n_test - int(shares.sum())
    order = np.argsort(-(exact - shares), kind="stable")
    shares[order[:left_over]] += 1
    return shares


def split_indices(
    n: int,
    test_fraction: float,
    rng: np.random.Generator,
    labels: IntArray | None = None,
) -> tuple[IntArray, IntArray]:
    """Return (train, test) row indices of a seeded random split.

    The test split has count_test_examples(n, test_fraction) examples. With
    labels the split is stratified: share_by_class spreads the test examples
    over the classes in proportion to their sizes. Both index arrays are
    shuffled, so neither lists the examples class by class.
    """
    n_test = count_test_examples(n, test_fraction)
    if labels is None:
        order = rng.permutation(n)
        return order[n_test:].astype(np.int64), order[:n_test].astype(np.int64)

    classes, class_sizes = np.unique(labels, return_counts=True)
    shares = share_by_class(class_sizes, n_test)
    train_parts: list[IntArray] = []
    test_parts: list[IntArray] = []
    for label, share in zip(classes, shares, strict=True):
        members = rng.permutation(np.flatnonzero(labels == label))
        test_parts.append(members[:share])
        train_parts.append(members[share:])
    train = rng.permutation(np.concatenate(train_parts)).astype(np.int64)
    test = rng.permutation(np.concatenate(test_parts)).astype(np.int64)
    return train, test
