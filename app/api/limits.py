"""Checks of a network's shape and settings against the configured limits."""

from collections.abc import Sequence

from app.api.errors import ApiError, limit_exceeded
from app.engine import Network
from app.settings import Limits

# Largest value of a counter (steps, epochs, examples_seen) that an imported
# document may hold: every integer up to 2**53 is exact as a JSON number in
# clients that read numbers as float64.
MAX_COUNTER = 2**53


def check_sizes(sizes: Sequence[int], limits: Limits, field: str = "sizes") -> None:
    """Raise ApiError 422 if sizes break max_layers, max_neurons or max_parameters."""
    if len(sizes) < 2:
        raise ApiError(
            422,
            f"{field} must list at least 2 layers (input and output), got {len(sizes)}",
            field,
        )
    layers = len(sizes) - 1
    if layers > limits.max_layers:
        raise limit_exceeded(
            "max_layers",
            limits.max_layers,
            layers,
            "the number of weight layers L",
            field,
        )
    for l, n in enumerate(sizes):
        if n > limits.max_neurons:
            raise limit_exceeded(
                "max_neurons",
                limits.max_neurons,
                n,
                f"layer {l}'s size",
                f"{field}.{l}",
            )
    parameters = sum(sizes[l] * sizes[l - 1] + sizes[l] for l in range(1, len(sizes)))
    if parameters > limits.max_parameters:
        raise limit_exceeded(
            "max_parameters",
            limits.max_parameters,
            parameters,
            "the number of weights and biases",
            field,
        )


def check_batch_size(
    batch_size: int, limits: Limits, field: str = "batch_size"
) -> None:
    if batch_size > limits.max_batch_size:
        raise limit_exceeded(
            "max_batch_size", limits.max_batch_size, batch_size, "batch_size", field
        )


def check_counter_room(network: Network, steps: int, examples: int) -> None:
    """Raise 409 if `steps` more steps on `examples` examples would take a
    counter past MAX_COUNTER, so that every export can be imported again."""
    for name, value, added in (
        ("steps", network.steps, steps),
        ("examples_seen", network.examples_seen, examples),
        ("epochs", network.epochs, steps),
    ):
        if value + added > MAX_COUNTER:
            raise ApiError(
                409,
                f"the network's {name} counter is {value}; {added} more would "
                f"pass the maximum 2**53 = {MAX_COUNTER}; reset the network or "
                "import it with smaller counters",
                None,
                counter=name,
                maximum=MAX_COUNTER,
            )
