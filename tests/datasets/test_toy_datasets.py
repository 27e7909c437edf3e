"""Tests of the generated toy data sets and of load_builtin's options."""

import json

import numpy as np
import pytest

from app.datasets import BUILTIN_NAMES, list_builtin, load_builtin
from app.engine import Network, NetworkConfig

CLASSIFICATION = ["xor", "blobs", "circles", "spirals", "moons"]
REGRESSION = ["line", "plane", "sine"]
TOYS = CLASSIFICATION + REGRESSION
N_INPUTS = {
    "xor": 2,
    "blobs": 2,
    "circles": 2,
    "spirals": 2,
    "moons": 2,
    "line": 1,
    "plane": 2,
    "sine": 1,
}


def all_x(dataset):
    return np.vstack([dataset.x_train, dataset.x_test])


def all_y(dataset):
    return np.vstack([dataset.y_train, dataset.y_test])


def by_label(dataset):
    """Return {class index: inputs of that class} over both splits."""
    x = all_x(dataset)
    labels = np.argmax(all_y(dataset), axis=1)
    return {j: x[labels == j] for j in range(dataset.n_outputs)}


@pytest.mark.parametrize("name", TOYS)
def test_toy_default_shapes(name):
    dataset = load_builtin(name)
    n_outputs = 2 if name in CLASSIFICATION else 1
    assert dataset.n_train == 160
    assert dataset.n_test == 40
    assert dataset.n_inputs == N_INPUTS[name]
    assert dataset.n_outputs == n_outputs
    assert dataset.x_train.shape == (160, N_INPUTS[name])
    assert dataset.y_train.shape == (160, n_outputs)
    assert dataset.x_test.shape == (40, N_INPUTS[name])
    assert dataset.y_test.shape == (40, n_outputs)
    for array in (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test):
        assert array.dtype == np.float64
    assert len(dataset.feature_names) == N_INPUTS[name]


@pytest.mark.parametrize("name", TOYS)
def test_toy_options_honoured(name):
    dataset = load_builtin(name, seed=3, samples=50, noise=0.2, test_fraction=0.5)
    assert dataset.n_train + dataset.n_test == 50
    assert dataset.n_test == 25
    assert dataset.options == {
        "seed": 3,
        "samples": 50,
        "noise": 0.2,
        "test_fraction": 0.5,
    }


@pytest.mark.parametrize("name", TOYS)
def test_toy_same_seed_same_bits(name):
    first = load_builtin(name, seed=7, samples=120, noise=0.3)
    second = load_builtin(name, seed=7, samples=120, noise=0.3)
    for attribute in ("x_train", "y_train", "x_test", "y_test"):
        a = getattr(first, attribute)
        b = getattr(second, attribute)
        assert a.tobytes() == b.tobytes(), attribute


@pytest.mark.parametrize("name", TOYS)
def test_toy_different_seeds_differ(name):
    first = load_builtin(name, seed=1)
    second = load_builtin(name, seed=2)
    assert not np.array_equal(first.x_train, second.x_train)
    assert not np.array_equal(first.x_test, second.x_test)


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_toy_labels_one_hot(name):
    dataset = load_builtin(name, samples=201)
    y = all_y(dataset)
    assert set(np.unique(y)) == {0.0, 1.0}
    assert np.all(y.sum(axis=1) == 1.0)
    counts = y.sum(axis=0)
    assert counts.tolist() == [101.0, 100.0]
    assert dataset.class_names is not None
    assert len(dataset.class_names) == 2


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_toy_split_stratified(name):
    dataset = load_builtin(name, samples=200, test_fraction=0.25)
    assert dataset.y_test.sum(axis=0).tolist() == [25.0, 25.0]
    assert dataset.y_train.sum(axis=0).tolist() == [75.0, 75.0]


@pytest.mark.parametrize("name", CLASSIFICATION)
@pytest.mark.parametrize("noise", [0.0, 0.1, 2.0])
def test_toy_classification_input_range(name, noise):
    dataset = load_builtin(name, noise=noise)
    x = all_x(dataset)
    assert dataset.input_range == (-1.0, 1.0)
    assert x.min() >= -1.0
    assert x.max() <= 1.0
    assert np.max(np.abs(x)) == pytest.approx(1.0)


@pytest.mark.parametrize("name", REGRESSION)
@pytest.mark.parametrize("noise", [0.0, 0.1, 2.0])
def test_toy_regression_ranges(name, noise):
    dataset = load_builtin(name, noise=noise)
    x = all_x(dataset)
    y = all_y(dataset)
    assert dataset.task == "regression"
    assert dataset.class_names is None
    assert x.min() >= -1.0
    assert x.max() <= 1.0
    assert y.min() == pytest.approx(0.1)
    assert y.max() == pytest.approx(0.9)


def test_xor_labels_follow_signs():
    dataset = load_builtin("xor", noise=0.0, samples=400)
    x = all_x(dataset)
    opposite = x[:, 0] * x[:, 1] < 0
    labels = np.argmax(all_y(dataset), axis=1)
    assert np.array_equal(labels == 1, opposite)
    # Noise 0 keeps each coordinate at least 0.1 of the largest one from an axis.
    assert np.min(np.abs(x)) >= 0.1 - 1e-12


def test_blobs_without_noise_are_two_points():
    classes = by_label(load_builtin("blobs", noise=0.0))
    assert np.all(classes[0] == -1.0)
    assert np.all(classes[1] == 1.0)


def test_circles_disc_inside_ring():
    classes = by_label(load_builtin("circles", noise=0.0, samples=500))
    ring_radius = np.linalg.norm(classes[0], axis=1)
    disc_radius = np.linalg.norm(classes[1], axis=1)
    assert disc_radius.max() < ring_radius.min()
    # The ring spans radii 0.7 to 1 and the disc 0 to 0.4 before scaling.
    assert disc_radius.max() / ring_radius.max() <= 0.4 / 0.7


def raw_scale_of_upper_moon(points):
    """Return the factor M with |M p + (0.5, 0.25)| = 1 for each scaled point p.

    The upper arc is the unit circle shifted by (-0.5, -0.25) before the
    division by the largest absolute value M, so M solves a quadratic.
    """
    shift = np.array([0.5, 0.25])
    a = np.sum(points**2, axis=1)
    b = 2.0 * points @ shift
    c = shift @ shift - 1.0
    return (-b + np.sqrt(b**2 - 4.0 * a * c)) / (2.0 * a)


def test_moons_without_noise_on_arcs():
    classes = by_label(load_builtin("moons", noise=0.0))
    factors = raw_scale_of_upper_moon(classes[0])
    assert np.allclose(factors, factors[0])
    # Raw coordinates lie within [-1.5, 1.5], and the extremes are near it.
    assert 1.0 < factors[0] <= 1.5
    upper = classes[0] * factors[0] + np.array([0.5, 0.25])
    lower = classes[1] * factors[0] + np.array([0.5, 0.25])
    assert np.all(upper[:, 1] >= -1e-12)
    assert np.allclose(np.linalg.norm(lower - np.array([1.0, 0.5]), axis=1), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_spirals_arms_opposite():
    dataset = load_builtin("spirals", noise=0.0, samples=400)
    classes = by_label(dataset)
    for points in classes.values():
        radius = np.linalg.norm(points, axis=1)
        # Radius 0.1..1 before scaling, so the ratio of extremes is at most 10.
        assert radius.min() > 0.0
        assert radius.max() / radius.min() <= 10.0 + 1e-9


def test_line_without_noise_is_straight():
    dataset = load_builtin("line", noise=0.0)
    x = all_x(dataset)[:, 0]
    y = all_y(dataset)[:, 0]
    slope, intercept = np.polyfit(x, y, 1)
    assert slope > 0
    assert np.allclose(slope * x + intercept, y)


def test_plane_without_noise_is_flat():
    dataset = load_builtin("plane", noise=0.0)
    x = all_x(dataset)
    y = all_y(dataset)[:, 0]
    design = np.column_stack([x, np.ones(len(x))])
    coefficients, *_ = np.linalg.lstsq(design, y, rcond=None)
    assert np.allclose(design @ coefficients, y)
    # t = x_0 - 0.5 x_1, so the x_1 coefficient is -0.5 times the x_0 one.
    assert coefficients[1] / coefficients[0] == pytest.approx(-0.5)


def test_sine_without_noise_follows_sine():
    dataset = load_builtin("sine", noise=0.0)
    x = all_x(dataset)[:, 0]
    y = all_y(dataset)[:, 0]
    correlation = np.corrcoef(np.sin(np.pi * x), y)[0, 1]
    assert correlation == pytest.approx(1.0)


def test_toy_zero_test_fraction():
    dataset = load_builtin("xor", test_fraction=0.0)
    assert dataset.n_test == 0
    assert dataset.x_test.shape == (0, 2)
    assert dataset.y_test.shape == (0, 2)
    assert dataset.n_train == 200


def test_toy_smallest_split_keeps_training():
    dataset = load_builtin("moons", samples=4, test_fraction=0.9)
    assert dataset.n_train >= 1
    assert dataset.n_train + dataset.n_test == 4


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("samples", 3),
        ("samples", 10_001),
        ("samples", 2.5),
        ("samples", True),
        ("noise", -0.1),
        ("noise", 5.01),
        ("noise", float("nan")),
        ("noise", "0.1"),
        ("test_fraction", -0.01),
        ("test_fraction", 0.95),
        ("test_fraction", float("inf")),
        ("seed", -1),
        ("seed", 1.5),
        ("seed", 2**63),
    ],
)
def test_load_builtin_rejects_option(option, value):
    with pytest.raises(ValueError, match=option):
        load_builtin("xor", **{option: value})


@pytest.mark.parametrize(
    ("option", "value"),
    [("samples", 4), ("samples", 10_000), ("noise", 0), ("noise", 5), ("seed", 0)],
)
def test_load_builtin_accepts_limits(option, value):
    dataset = load_builtin("circles", **{option: value})
    assert dataset.options[option] == value


def test_load_builtin_unknown_name():
    with pytest.raises(ValueError, match="unknown data set 'mnist'"):
        load_builtin("mnist")


def test_list_builtin_describes_all():
    described = list_builtin()
    assert [entry["name"] for entry in described] == list(BUILTIN_NAMES)
    assert len(described) == 10
    json.dumps(described, allow_nan=False)
    for entry in described:
        assert entry["n_train"] + entry["n_test"] > 0
        assert entry["task"] in ("classification", "regression")
        assert entry["kind"] in ("toy", "real")


def test_describe_matches_dataset():
    dataset = load_builtin("moons", seed=4, samples=60)
    described = dataset.describe()
    assert described["n_inputs"] == 2
    assert described["n_outputs"] == 2
    assert described["n_train"] == 48
    assert described["n_test"] == 12
    assert described["class_names"] == ["upper moon", "lower moon"]
    assert described["input_range"] == [-1.0, 1.0]
    assert described["image_shape"] is None
    assert described["options"]["seed"] == 4


def test_toy_arrays_read_only():
    dataset = load_builtin("xor")
    with pytest.raises(ValueError):
        dataset.x_train[0, 0] = 5.0


def train_default_network(dataset, epochs):
    """Train Nielsen's ch. 1-2 set-up: sigmoid, quadratic cost, eta 3, m 10."""
    sizes = (dataset.n_inputs, 4, dataset.n_outputs)
    network = Network(NetworkConfig(sizes=sizes, eta=3.0, batch_size=10, seed=0))
    steps = epochs * dataset.n_train // 10
    network.train_steps(dataset.x_train, dataset.y_train, steps)
    return network


@pytest.mark.slow
@pytest.mark.parametrize("name", ["xor", "blobs", "circles", "moons"])
def test_sigmoid_network_learns_toy(name):
    dataset = load_builtin(name)
    network = train_default_network(dataset, epochs=100)
    result = network.evaluate(dataset.x_test, dataset.y_test)
    assert result["accuracy"] >= 0.85


@pytest.mark.slow
@pytest.mark.parametrize("name", REGRESSION)
def test_sigmoid_network_fits_regression(name):
    dataset = load_builtin(name)
    network = train_default_network(dataset, epochs=100)
    result = network.evaluate(dataset.x_test, dataset.y_test, classification=False)
    # The quadratic cost of always predicting the mean target, for comparison.
    baseline = 0.5 * float(np.mean((dataset.y_test - dataset.y_train.mean()) ** 2))
    assert result["cost"] < 0.2 * baseline
