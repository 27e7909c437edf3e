"""train_steps, the untraced training loop, against the traced step_next_batch.

train_steps reuses arrays between steps and enters np.errstate once for all
steps when it has no callbacks, so each of its code paths is compared bit for
bit with the traced step on the same mini-batches.
"""

from collections.abc import Callable

import numpy as np
import pytest

from app.engine import DivergenceError, Network, NetworkConfig

from . import reference
from .test_divergence import CASES

# 23 is prime, so every batch size below leaves a short last mini-batch.
N_TRAIN = 23
STEPS = 9

CONFIGS = [
    pytest.param(NetworkConfig(sizes=(3, 4, 2), mu=0.6), id="momentum"),
    pytest.param(NetworkConfig(sizes=(3, 4, 2), lmbda=3.0), id="l2"),
    pytest.param(
        NetworkConfig(sizes=(3, 4, 2), mu=0.5, lmbda=1.5), id="momentum-and-l2"
    ),
    pytest.param(
        NetworkConfig(
            sizes=(4, 5, 3),
            hidden_activation="tanh",
            output_activation="softmax",
            cost="log_likelihood",
            mu=0.3,
        ),
        id="softmax-log-likelihood",
    ),
    pytest.param(
        NetworkConfig(
            sizes=(4, 5, 3),
            hidden_activation="relu",
            output_activation="softmax",
            cost="cross_entropy",
            lmbda=0.7,
        ),
        id="softmax-cross-entropy",
    ),
    pytest.param(
        NetworkConfig(
            sizes=(3, 6, 2),
            hidden_activation="leaky_relu",
            cost="cross_entropy",
            leaky_slope=0.2,
        ),
        id="sigmoid-cross-entropy",
    ),
    pytest.param(
        NetworkConfig(sizes=(5, 4, 3, 2), mu=0.4, lmbda=0.2), id="three-layers"
    ),
]


def _training_set(config: NetworkConfig) -> tuple[np.ndarray, np.ndarray]:
    return reference.random_examples(config, N_TRAIN, np.random.default_rng(7))


def _traced(config: NetworkConfig, x: np.ndarray, y: np.ndarray) -> Network:
    network = Network(config)
    for _ in range(STEPS):
        network.step_next_batch(x, y)
    return network


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("batch_size", [4, 7, 10])
def test_without_callbacks_equals_traced(
    config: NetworkConfig, batch_size: int
) -> None:
    config = config.replace(batch_size=batch_size, eta=0.9)
    x, y = _training_set(config)

    fast = Network(config)
    done = fast.train_steps(x, y, STEPS)

    assert done == STEPS
    assert reference.snapshot(fast) == reference.snapshot(_traced(config, x, y))
    assert not reference.parameters_equal(fast, Network(config))


@pytest.mark.parametrize("config", CONFIGS)
def test_with_callbacks_equals_traced(config: NetworkConfig) -> None:
    config = config.replace(batch_size=7, eta=0.9)
    x, y = _training_set(config)
    steps_seen: list[int] = []

    fast = Network(config)
    done = fast.train_steps(
        x,
        y,
        STEPS,
        should_stop=lambda: False,
        on_step=lambda network: steps_seen.append(network.steps),
    )

    assert done == STEPS
    assert steps_seen == list(range(1, STEPS + 1))
    assert reference.snapshot(fast) == reference.snapshot(_traced(config, x, y))


def test_callbacks_see_caller_error_settings() -> None:
    config = NetworkConfig(sizes=(3, 2), batch_size=5)
    x, y = _training_set(config)
    seen: list[dict[str, str]] = []

    with np.errstate(over="raise", invalid="warn", divide="ignore"):
        expected = np.geterr()
        Network(config).train_steps(
            x,
            y,
            3,
            should_stop=lambda: bool(seen.append(np.geterr())),
            on_step=lambda network: seen.append(np.geterr()),
        )

    assert len(seen) == 6
    for settings in seen:
        assert settings == expected


def test_error_settings_restored_after_run() -> None:
    config = NetworkConfig(sizes=(3, 2), batch_size=5)
    x, y = _training_set(config)

    with np.errstate(over="raise", under="warn"):
        expected = np.geterr()
        Network(config).train_steps(x, y, 4)
        after = np.geterr()

    assert after == expected


@pytest.mark.parametrize(
    ("config", "weights", "biases", "x", "y", "layer", "quantity"), CASES
)
@pytest.mark.parametrize("with_callback", [False, True])
def test_divergence_names_layer_and_quantity(
    config: NetworkConfig,
    weights: list[list[list[float]]],
    biases: list[list[float]],
    x: list[list[float]],
    y: list[list[float]],
    layer: int,
    quantity: str,
    with_callback: bool,
) -> None:
    network = Network(config.replace(batch_size=len(x)), weights, biases)
    before = reference.snapshot(network)
    on_step: Callable[[Network], None] | None = None
    if with_callback:
        on_step = lambda network: None  # noqa: E731

    with pytest.raises(DivergenceError) as caught:
        network.train_steps(np.array(x), np.array(y), 3, on_step=on_step)

    assert caught.value.layer == layer
    assert caught.value.quantity == quantity
    assert reference.snapshot(network) == before


def test_divergence_without_callbacks_keeps_last_good_state() -> None:
    config = NetworkConfig(
        sizes=(2, 3, 2),
        hidden_activation="identity",
        output_activation="identity",
        eta=1e6,
        mu=0.5,
        batch_size=3,
        seed=4,
    )
    x, y = reference.random_examples(config, 8, np.random.default_rng(4))
    stepped, watched = Network(config), Network(config)
    good: list[dict[str, object]] = [reference.snapshot(watched)]

    with pytest.raises(DivergenceError) as unwatched_error:
        stepped.train_steps(x, y, 1000)
    with pytest.raises(DivergenceError) as watched_error:
        watched.train_steps(
            x, y, 1000, on_step=lambda n: good.append(reference.snapshot(n))
        )

    assert str(unwatched_error.value) == str(watched_error.value)
    assert reference.snapshot(stepped) == good[-1]
    assert stepped.steps == len(good) - 1
