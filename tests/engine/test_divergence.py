"""A step that produces NaN or infinity is rejected and leaves the network alone."""

import numpy as np
import pytest

from app.engine import DivergenceError, Network, NetworkConfig

from . import reference


def _linear(sizes: tuple[int, ...], eta: float = 1.0, mu: float = 0.0) -> NetworkConfig:
    return NetworkConfig(
        sizes=sizes,
        hidden_activation="identity",
        output_activation="identity",
        cost="quadratic",
        eta=eta,
        mu=mu,
    )


# Each case is (config, weights, biases, x, y, layer, quantity). The values
# are picked so that exactly one quantity overflows first:
#  - z: 1e200 * 1e200 overflows the weighted input of layer 1;
#  - delta: z^2 = 1e301 is finite, but BP2 multiplies it by w^2 = 1e300;
#  - w: every gradient is finite (dC/dw = 1e305 * 100), but eta = 1e6 times
#    it is not, so the new weight is infinite.
CASES = [
    pytest.param(
        _linear((1, 1)), [[[1e200]]], [[0.0]], [[1e200]], [[0.0]], 1, "z", id="z"
    ),
    pytest.param(
        _linear((1, 1, 1)),
        [[[1.0]], [[1e300]]],
        [[0.0], [0.0]],
        [[10.0]],
        [[0.0]],
        1,
        "delta",
        id="delta",
    ),
    pytest.param(
        _linear((1, 1), eta=1e6),
        [[[1e303]]],
        [[0.0]],
        [[100.0]],
        [[0.0]],
        1,
        "w",
        id="eta",
    ),
]


@pytest.mark.parametrize(
    ("config", "weights", "biases", "x", "y", "layer", "quantity"), CASES
)
def test_step_divergence_names_layer_and_quantity(
    config: NetworkConfig,
    weights: list[list[list[float]]],
    biases: list[list[float]],
    x: list[list[float]],
    y: list[list[float]],
    layer: int,
    quantity: str,
) -> None:
    network = Network(config, weights, biases)
    before = reference.snapshot(network)

    with pytest.raises(DivergenceError) as caught:
        network.step(x, y)

    assert caught.value.layer == layer
    assert caught.value.quantity == quantity
    assert f"{quantity} in layer {layer}" in str(caught.value)
    # Only new parameters come from this step's learning rate.
    assert caught.value.after_update == (quantity in ("w", "b"))
    learning_rate_advice = "try a smaller learning rate" in str(caught.value)
    assert learning_rate_advice == caught.value.after_update
    assert isinstance(caught.value, ValueError)
    assert reference.snapshot(network) == before


def _diverging() -> tuple[Network, np.ndarray, np.ndarray]:
    config = _linear((2, 3, 2), eta=1e6, mu=0.5).replace(batch_size=3, seed=4)
    x, y = reference.random_examples(config, 8, np.random.default_rng(4))
    return Network(config), x, y


def test_train_steps_keeps_last_good_state() -> None:
    network, x, y = _diverging()
    good: list[dict[str, object]] = [reference.snapshot(network)]

    with pytest.raises(DivergenceError) as caught:
        network.train_steps(
            x, y, 1000, on_step=lambda n: good.append(reference.snapshot(n))
        )

    assert reference.snapshot(network) == good[-1]
    assert network.steps == len(good) - 1
    assert str(network.steps + 1) in str(caught.value)
    assert 1 <= caught.value.layer <= 2


def test_step_next_batch_keeps_last_good_state() -> None:
    network, x, y = _diverging()
    last_good = reference.snapshot(network)

    with pytest.raises(DivergenceError):
        for _ in range(1000):
            network.step_next_batch(x, y)
            last_good = reference.snapshot(network)

    assert reference.snapshot(network) == last_good
    assert all(np.isfinite(w).all() for w in network.weights)
