"""Every traced quantity names the equation that produced it."""

import itertools

import pytest

from app.engine import COSTS, EQUATIONS, OUTPUT_ACTIVATIONS, Network, NetworkConfig

# The quantities a trace records, each with the symbol its equation defines.
DEFINES = {
    "z": "z^l_j =",
    "a": "a^l_j =",
    "a_output": "a^",
    "cost": "C_x =",
    "grad_a": "(grad_a C)_j =",
    "delta_output": "delta^L_j =",
    "delta_hidden": "delta^l_j =",
    "grad_b": "dC/db^l_j =",
    "grad_w": "dC/dw^l_jk =",
}


def is_allowed(output: str, cost: str) -> bool:
    try:
        NetworkConfig(sizes=(2, 3, 2), output_activation=output, cost=cost)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    ("output", "cost"),
    [
        pair
        for pair in itertools.product(OUTPUT_ACTIVATIONS, COSTS)
        if is_allowed(*pair)
    ],
)
def test_every_quantity_has_an_equation(output: str, cost: str) -> None:
    config = NetworkConfig(sizes=(2, 3, 2), output_activation=output, cost=cost)
    trace = Network(config).backward([[0.5, -0.5]], [[0.0, 1.0]])
    keys = trace.equations
    assert keys is trace.forward.equations
    assert set(keys) == set(DEFINES)
    for quantity, key in keys.items():
        assert EQUATIONS[key]["text"].startswith(DEFINES[quantity]), quantity
    assert keys["cost"] == f"cost_{cost}"
    softmax = output == "softmax"
    assert (keys["delta_output"] == "BP1_softmax") is softmax
    assert (keys["a_output"] == "a_softmax") is softmax
    assert (keys["delta_output"] == "BP1") is not softmax
    assert [keys["delta_hidden"], keys["grad_b"], keys["grad_w"]] == [
        "BP2",
        "BP3",
        "BP4",
    ]


def test_traces_carry_equations() -> None:
    network = Network(NetworkConfig(sizes=(2, 2), seed=1))
    forward = network.forward([[1.0, 0.0]])
    assert forward.equations["z"] == "z"
    result = network.step([[1.0, 0.0]], [[0.0, 1.0]])
    assert result.trace.equations["grad_w"] == "BP4"
