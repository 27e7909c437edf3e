"""The configuration of a network: its shape, activations, cost and SGD settings."""

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from app.engine.activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from app.engine.costs import COSTS

INITS = ("normal", "scaled")
MAX_SEED = 2**63 - 1


def _check_number(name: str, value: Any, low: float, high: float) -> None:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if not is_number or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")


def _check_int(name: str, value: Any, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")


@dataclass(frozen=True)
class NetworkConfig:
    """Everything that defines a network apart from its parameters.

    sizes is [n_0, n_1, ..., n_L] with n_0 the input layer. eta is the
    learning rate, lmbda the L2 regularisation parameter (Nielsen ch. 3,
    weight decay by a factor 1 - eta lmbda / n per step for a training set
    of n examples), and mu the momentum coefficient (0 is plain SGD).
    init "normal" draws every w and b from N(0, 1) (Nielsen ch. 1-2);
    "scaled" draws w^l from N(0, 1/n_{l-1}) and b from N(0, 1) (ch. 3).
    """

    sizes: tuple[int, ...]
    hidden_activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    cost: str = "quadratic"
    eta: float = 3.0
    batch_size: int = 10
    seed: int = 0
    init: str = "normal"
    lmbda: float = 0.0
    mu: float = 0.0
    leaky_slope: float = 0.01

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", tuple(self.sizes))
        self.validate()
        # -0.0 passes the checks but would differ from 0.0 in a saved
        # document while comparing equal, so a change to it could go unseen.
        for name in ("eta", "lmbda", "mu", "leaky_slope"):
            if getattr(self, name) == 0:
                object.__setattr__(self, name, 0.0)

    def validate(self) -> None:
        """Raise ValueError naming the first field that makes no sense."""
        sizes = self.sizes
        if len(sizes) < 2:
            raise ValueError(
                "sizes must list at least 2 layers (input and output), "
                f"got {len(sizes)}"
            )
        for l, n in enumerate(sizes):
            if not isinstance(n, int) or isinstance(n, bool) or n < 1:
                raise ValueError(
                    f"sizes[{l}] (layer {l}) must be a whole number >= 1, got {n!r}"
                )
        if self.hidden_activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(
                f"hidden_activation {self.hidden_activation!r} is not allowed; "
                f"expected one of {', '.join(HIDDEN_ACTIVATIONS)} "
                "(softmax is for the output layer only)"
            )
        if self.output_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(
                f"output_activation {self.output_activation!r} is unknown; "
                f"expected one of {', '.join(OUTPUT_ACTIVATIONS)}"
            )
        if self.cost not in COSTS:
            raise ValueError(
                f"cost {self.cost!r} is unknown; expected one of {', '.join(COSTS)}"
            )
        self._validate_pairing()
        _check_number("eta", self.eta, 0.0, 1e6)
        _check_int("batch_size", self.batch_size, 1, 10**9)
        _check_int("seed", self.seed, 0, MAX_SEED)
        if self.init not in INITS:
            raise ValueError(
                f"init {self.init!r} is unknown; expected one of {', '.join(INITS)}"
            )
        _check_number("lmbda", self.lmbda, 0.0, 1e6)
        _check_number("mu", self.mu, 0.0, 1.0)
        if self.mu >= 1.0:
            raise ValueError(f"mu must be below 1, got {self.mu}")
        _check_number("leaky_slope", self.leaky_slope, 0.0, 1.0)

    def _validate_pairing(self) -> None:
        output, cost = self.output_activation, self.cost
        if output == "softmax" and self.sizes[-1] < 2:
            raise ValueError(
                "softmax needs at least 2 output neurons, "
                f"the output layer has {self.sizes[-1]}"
            )
        if cost == "log_likelihood" and output != "softmax":
            raise ValueError(
                f"cost log_likelihood needs output_activation softmax, got {output!r}"
            )
        if cost == "cross_entropy" and output not in ("sigmoid", "softmax"):
            raise ValueError(
                "cost cross_entropy needs outputs in (0, 1): output_activation "
                f"must be sigmoid or softmax, got {output!r}"
            )

    @property
    def num_layers(self) -> int:
        """L, the number of layers after the input (weight layers)."""
        return len(self.sizes) - 1

    @property
    def num_parameters(self) -> int:
        s = self.sizes
        return sum(s[l] * s[l - 1] + s[l] for l in range(1, len(s)))

    def replace(self, **changes: Any) -> "NetworkConfig":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        # Every field but sizes is a number or a string, so a shallow dict is
        # a copy. dataclasses.asdict deep-copies each field and is slower.
        d = {field.name: getattr(self, field.name) for field in _FIELDS}
        d["sizes"] = list(self.sizes)
        return d

    @classmethod
    def from_dict(cls, d: Any) -> "NetworkConfig":
        if not isinstance(d, dict):
            raise ValueError(f"config must be an object, got {type(d).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"config has unknown fields: {', '.join(unknown)}")
        if "sizes" not in d:
            raise ValueError("config.sizes is missing")
        if not isinstance(d["sizes"], list | tuple):
            raise ValueError(f"config.sizes must be a list, got {d['sizes']!r}")
        return cls(**{**d, "sizes": tuple(d["sizes"])})


_FIELDS = dataclasses.fields(NetworkConfig)
