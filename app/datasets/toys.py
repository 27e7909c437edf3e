"""Generators of the toy problems, drawn from a numpy random Generator.

Each classification generator returns (x, labels): x is (samples, 2) in the
pattern's own coordinates, about the square [-1, 1]^2, and labels contains 0 or
1 with the two classes as equal in size as samples allows. Each regression
generator returns (x, t): x is (samples, n_inputs) uniform in [-1, 1] and t
is the (samples, 1) noisy target before any scaling.

noise is the standard deviation of Gaussian noise, in the same units as the
pattern: it is added to both input coordinates for classification and to the
target for regression. With the same Generator state a generator returns the
same arrays bit for bit.
"""

from collections.abc import Callable

import numpy as np

from app.datasets.dataset import FloatArray, IntArray

ClassificationGenerator = Callable[
    [np.random.Generator, int, float], tuple[FloatArray, IntArray]
]
RegressionGenerator = Callable[
    [np.random.Generator, int, float], tuple[FloatArray, FloatArray]
]


def balanced_labels(samples: int) -> IntArray:
    """Return 0, 1, 0, 1, ... so the two classes differ in size by at most 1."""
    return (np.arange(samples) % 2).astype(np.int64)


def xor(
    rng: np.random.Generator, samples: int, noise: float
) -> tuple[FloatArray, IntArray]:
    """Draw XOR: class 1 where the two coordinates have opposite signs.

    Each coordinate's size is uniform in [0.1, 1], which leaves a gap of 0.2
    around both axes when noise is 0.
    """
    labels = balanced_labels(samples)
    size = rng.uniform(0.1, 1.0, size=(samples, 2))
    sign_0 = rng.choice([-1.0, 1.0], size=samples)
    sign_1 = np.where(labels == 1, -sign_0, sign_0)
    x = size * np.column_stack([sign_0, sign_1])
    x += noise * rng.standard_normal((samples, 2))
    return x, labels


def blobs(
    rng: np.random.Generator, samples: int, noise: float
) -> tuple[FloatArray, IntArray]:
    """Draw two Gaussian blobs centred at (-0.5, -0.5) and (0.5, 0.5).

    noise is the standard deviation of each blob, so noise 0 puts every
    example of a class on its centre.
    """
    labels = balanced_labels(samples)
    centres = np.array([[-0.5, -0.5], [0.5, 0.5]])
    x = centres[labels] + noise * rng.standard_normal((samples, 2))
    return x, labels


def circles(
    rng: np.random.Generator, samples: int, noise: float
) -> tuple[FloatArray, IntArray]:
    """Draw a disc of radius 0.4 (class 1) inside a ring from 0.7 to 1 (class 0).

    The disc's radius is 0.4 * sqrt(u) for uniform u, which spreads the
    examples evenly over its area.
    """
    labels = balanced_labels(samples)
    theta = rng.uniform(0.0, 2.0 * np.pi, size=samples)
    ring_radius = rng.uniform(0.7, 1.0, size=samples)
    disc_radius = 0.4 * np.sqrt(rng.uniform(0.0, 1.0, size=samples))
    radius = np.where(labels == 1, disc_radius, ring_radius)
    x = radius[:, None] * np.column_stack([np.cos(theta), np.sin(theta)])
    x += noise * rng.standard_normal((samples, 2))
    return x, labels


def spirals(
    rng: np.random.Generator, samples: int, noise: float
) -> tuple[FloatArray, IntArray]:
    """Draw two interleaved spiral arms of 1.25 turns, class 1 turned by pi.

    Along an arm the radius grows from 0.1 to 1 as the angle grows.
    """
    labels = balanced_labels(samples)
    t = rng.uniform(0.0, 1.0, size=samples)
    radius = 0.1 + 0.9 * t
    theta = 2.0 * np.pi * 1.25 * t + np.pi * labels
    x = radius[:, None] * np.column_stack([np.cos(theta), np.sin(theta)])
    x += noise * rng.standard_normal((samples, 2))
    return x, labels


def moons(
    rng: np.random.Generator, samples: int, noise: float
) -> tuple[FloatArray, IntArray]:
    """Draw two interleaving half circles of radius 1, centred on the origin.

    Class 0 is the upper arc (cos theta, sin theta) and class 1 the lower arc
    (1 - cos theta, 0.5 - sin theta), for theta uniform in [0, pi]. Both arcs
    are then shifted by (-0.5, -0.25), so the pair is centred.
    """
    labels = balanced_labels(samples)
    theta = rng.uniform(0.0, np.pi, size=samples)
    upper = np.column_stack([np.cos(theta), np.sin(theta)])
    lower = np.column_stack([1.0 - np.cos(theta), 0.5 - np.sin(theta)])
    x = np.where(labels[:, None] == 1, lower, upper) - np.array([0.5, 0.25])
    x += noise * rng.standard_normal((samples, 2))
    return x, labels


def line(
    rng: np.random.Generator, samples: int, noise: float
) -> tuple[FloatArray, FloatArray]:
    """Draw the line t = x plus noise."""
    x = rng.uniform(-1.0, 1.0, size=(samples, 1))
    t = x + noise * rng.standard_normal((samples, 1))
    return x, t


def plane(
    rng: np.random.Generator, samples: int, noise: float
) -> tuple[FloatArray, FloatArray]:
    """Draw the plane t = x_0 - 0.5 x_1 plus noise."""
    x = rng.uniform(-1.0, 1.0, size=(samples, 2))
    t = x[:, :1] - 0.5 * x[:, 1:] + noise * rng.standard_normal((samples, 1))
    return x, t


def sine(
    rng: np.random.Generator, samples: int, noise: float
) -> tuple[FloatArray, FloatArray]:
    """Draw one period of the sine t = sin(pi x) plus noise."""
    x = rng.uniform(-1.0, 1.0, size=(samples, 1))
    t = np.sin(np.pi * x) + noise * rng.standard_normal((samples, 1))
    return x, t
