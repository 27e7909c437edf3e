"""Checks of a network's shape and settings against the configured limits."""

from collections.abc import Sequence

from app.api.errors import ApiError, limit_exceeded
from app.settings import Limits


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
