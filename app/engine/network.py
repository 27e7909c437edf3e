"""A fully-connected network trained by backpropagation and SGD.

Parameter lists hold layer l at index l - 1: weights[0] is w^1, the weights
into the first layer after the input (layer 0 here, layer 1 in the book).
"""

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from app.engine.activations import FloatArray, activation
from app.engine.config import NetworkConfig
from app.engine.costs import cost_per_example, delta_output, grad_a
from app.engine.equations import equation_keys
from app.engine.trace import BackwardTrace, DivergenceError, ForwardTrace, StepResult

# Mini-batches larger than this are evaluated in chunks to bound memory.
EVALUATION_CHUNK = 1000

# The `out` arguments of _updated without spare arrays. With out=None, numpy
# writes each result into a new array.
_NEW_ARRAYS: dict[str, FloatArray | None] = dict.fromkeys(
    ("w", "b", "vw", "vb", "decay")
)


def _as_matrix(name: str, values: Any, width: int) -> FloatArray:
    """Return values as a finite float64 (m, width) array or raise ValueError."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must contain only numbers: {exc}") from None
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != width:
        raise ValueError(
            f"{name} has shape {arr.shape}, the network expects {width} values "
            f"per example"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} contains no examples")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def _check_targets(y: FloatArray, bad: np.ndarray, rule: str) -> None:
    """Raise ValueError naming the first target value where bad is set."""
    if bad.any():
        i, j = (int(n) for n in np.argwhere(bad)[0])
        raise ValueError(
            f"target values must {rule}, got {float(y[i, j])!r} at output {j} "
            f"of example {i}"
        )


class Network:
    """Weights, biases, SGD state and counters of one network."""

    def __init__(
        self,
        config: NetworkConfig,
        weights: Sequence[Any] | None = None,
        biases: Sequence[Any] | None = None,
    ) -> None:
        self._begin(config)
        if (weights is None) != (biases is None):
            raise ValueError("give both weights and biases, or neither")
        if weights is None or biases is None:
            self.initial: tuple[list[FloatArray], list[FloatArray]] | None = None
            self.weights, self.biases = self._draw_parameters()
        else:
            self.weights, self.biases = self._check_parameters(weights, biases)
            self.initial = (
                [w.copy() for w in self.weights],
                [b.copy() for b in self.biases],
            )
        self.velocity_w = [np.zeros_like(w) for w in self.weights]
        self.velocity_b = [np.zeros_like(b) for b in self.biases]

    # Set-up

    def _begin(self, config: NetworkConfig) -> None:
        """Set the configuration and zero the counters, before the parameters."""
        self.config = config
        self.steps = 0
        self.epochs = 0
        self.examples_seen = 0
        self.epoch_position = 0
        self._order_key: tuple[int, int] | None = None
        self._order = np.empty(0, dtype=np.int64)
        self._set_activations()

    @classmethod
    def _blank(cls, config: NetworkConfig) -> "Network":
        """Return a seeded network whose caller sets every parameter array.

        Drawing the initial parameters only to overwrite them took most of
        the time of loading a saved network.
        """
        network = cls.__new__(cls)
        network._begin(config)
        network.initial = None
        return network

    def _set_activations(self) -> None:
        c = self.config
        hidden = activation(c.hidden_activation, c.leaky_slope)
        output = activation(c.output_activation, c.leaky_slope)
        self._activations = [hidden] * (c.num_layers - 1) + [output]
        self._equation_keys = equation_keys(c.output_activation, c.cost)

    def _draw_parameters(self) -> tuple[list[FloatArray], list[FloatArray]]:
        """Draw biases for layers 1..L, then weights, from the seeded generator."""
        sizes = self.config.sizes
        rng = np.random.default_rng(self.config.seed)
        biases = [rng.standard_normal(n) for n in sizes[1:]]
        weights = [
            rng.standard_normal((n, n_prev)) for n_prev, n in itertools.pairwise(sizes)
        ]
        if self.config.init == "scaled":
            weights = [w / np.sqrt(w.shape[1]) for w in weights]
        return weights, biases

    def _check_parameters(
        self,
        weights: Sequence[Any],
        biases: Sequence[Any],
        names: tuple[str, str] = ("weights", "biases"),
    ) -> tuple[list[FloatArray], list[FloatArray]]:
        """Return weights and biases as new float64 arrays, or raise ValueError.

        names are the fields that the messages name, e.g. velocity_w and
        velocity_b when checking velocities.
        """
        sizes = self.config.sizes
        L = self.config.num_layers
        name_w, name_b = names
        for name, values, kind in (
            (name_w, weights, "weight matrices"),
            (name_b, biases, "bias vectors"),
        ):
            if len(values) != L:
                raise ValueError(
                    f"{name} needs one entry per layer 1..{L}, got {len(values)} {kind}"
                )
        checked_w, checked_b = [], []
        for l in range(1, L + 1):
            shape_w = (sizes[l], sizes[l - 1])
            w = self._check_array(f"{name_w}[{l - 1}] (w^{l})", weights[l - 1], shape_w)
            b = self._check_array(
                f"{name_b}[{l - 1}] (b^{l})", biases[l - 1], shape_w[:1]
            )
            checked_w.append(w)
            checked_b.append(b)
        return checked_w, checked_b

    @staticmethod
    def _check_array(name: str, values: Any, shape: tuple[int, ...]) -> FloatArray:
        try:
            arr = np.array(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"{name} must be a {'x'.join(map(str, shape))} array of numbers"
            ) from None
        if arr.shape != shape:
            raise ValueError(f"{name} has shape {arr.shape}, expected {shape}")
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or infinite values")
        return arr

    @property
    def num_layers(self) -> int:
        return self.config.num_layers

    @property
    def num_parameters(self) -> int:
        return self.config.num_parameters

    # Forward and backward passes

    def _check_xy(self, x: Any, y: Any | None) -> tuple[FloatArray, FloatArray | None]:
        sizes = self.config.sizes
        x = _as_matrix("input", x, sizes[0])
        if y is None:
            return x, None
        y = _as_matrix("target", y, sizes[-1])
        if y.shape[0] != x.shape[0]:
            raise ValueError(
                f"target has {y.shape[0]} examples but input has {x.shape[0]}"
            )
        cost = self.config.cost
        if cost == "cross_entropy":
            _check_targets(y, (y < 0) | (y > 1), "lie in [0, 1] for cross_entropy")
        if cost == "log_likelihood":
            _check_targets(y, y < 0, "be >= 0 for log_likelihood")
        return x, y

    def _forward(
        self, x: FloatArray, derivatives: bool = True
    ) -> tuple[list[FloatArray], list[FloatArray], list[FloatArray]]:
        """Return z^l, a^l and, when derivatives is set, s'(z^l) per layer."""
        z_list, a_list, sp_list = [], [x], []
        a = x
        for w, b, (sigma, sigma_prime) in zip(
            self.weights, self.biases, self._activations, strict=True
        ):
            z = a @ w.T + b
            a = sigma(z)
            z_list.append(z)
            a_list.append(a)
            if derivatives:
                sp_list.append(sigma_prime(z, a))
        return z_list, a_list, sp_list

    def _costs(self, z_L: FloatArray, a_L: FloatArray, y: FloatArray) -> FloatArray:
        c = self.config
        return cost_per_example(c.cost, c.output_activation, z_L, a_L, y)

    def forward(self, x: Any, y: Any | None = None) -> ForwardTrace:
        """Run the forward pass for one example (n_0,) or a mini-batch (m, n_0)."""
        x, y = self._check_xy(x, y)
        z, a, sp = self._forward(x)
        costs = None if y is None else self._costs(z[-1], a[-1], y)
        return ForwardTrace(
            x=x, z=z, a=a, sp=sp, y=y, costs=costs, equations=self._equation_keys
        )

    def _backward(self, fwd: ForwardTrace) -> BackwardTrace:
        """Return the BackwardTrace of a forward pass that has targets."""
        assert fwd.y is not None
        g, delta, grad_b, grad_w = self._gradients(fwd.z, fwd.a, fwd.sp, fwd.y)
        return BackwardTrace(
            forward=fwd, grad_a=g, delta=delta, grad_b=grad_b, grad_w=grad_w
        )

    def _gradients(
        self,
        z: list[FloatArray],
        a: list[FloatArray],
        sp: list[FloatArray],
        y: FloatArray,
    ) -> tuple[FloatArray, list[FloatArray], list[FloatArray], list[FloatArray]]:
        """Apply BP1 at the output, BP2 down to layer 1, then BP3 and BP4.

        Returns grad_a C, delta^l, dC/db^l and dC/dw^l, as BackwardTrace
        describes them.
        """
        c = self.config
        L = len(z)
        m = y.shape[0]
        g = grad_a(c.cost, a[-1], y)
        delta = [np.empty(0)] * L
        delta[-1] = delta_output(
            c.cost, c.output_activation, z[-1], a[-1], y, sp[-1], g
        )
        for i in range(L - 2, -1, -1):
            # BP2 for layer l = i + 1, one row per example: (w^{l+1})^T delta^{l+1}.
            delta[i] = (delta[i + 1] @ self.weights[i + 1]) * sp[i]

        # BP3 and BP4 averaged over the mini-batch as matrix products; delta
        # is divided by m before the product, which is cheaper than after.
        grad_b, grad_w = [], []
        for d, a_prev in zip(delta, a, strict=False):
            mean_delta = d / m
            grad_b.append(mean_delta.sum(axis=0))
            grad_w.append(mean_delta.T @ a_prev)
        return g, delta, grad_b, grad_w

    def backward(self, x: Any, y: Any) -> BackwardTrace:
        """Run forward and backward passes; y is required."""
        if y is None:
            raise ValueError("target is required for the backward pass")
        return self._backward(self.forward(x, y))

    # SGD

    def _updated(
        self,
        grad_w: list[FloatArray],
        grad_b: list[FloatArray],
        n_train: int,
        buffers: "list[dict[str, FloatArray]] | None" = None,
    ) -> tuple[list[FloatArray], list[FloatArray], list[FloatArray], list[FloatArray]]:
        """Return new weights, biases and velocities; self is not changed.

        With L2 regularisation the weights decay by 1 - eta lmbda / n_train
        (Nielsen ch. 3); biases are not regularised. With momentum mu,
        v -> mu v - eta grad and w -> w + v. The results are written into
        `buffers[l - 1]` when given, else into new arrays; the arithmetic is
        the same.
        """
        c = self.config
        eta, mu = c.eta, c.mu
        decay = eta * c.lmbda / n_train
        new_w, new_b, new_vw, new_vb = [], [], [], []
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            gw, gb = grad_w[i], grad_b[i]
            out = _NEW_ARRAYS if buffers is None else buffers[i]
            # eta dC/dw goes into the array that then receives the new w, so
            # that a step reads and writes one array of the size of w less.
            w_next = np.multiply(gw, eta, out=out["w"])
            if mu:
                vw = np.multiply(self.velocity_w[i], mu, out=out["vw"])
                np.subtract(vw, w_next, out=vw)
                if decay:
                    np.subtract(vw, np.multiply(w, decay, out=w_next), out=vw)
                vb = np.multiply(self.velocity_b[i], mu, out=out["vb"])
                np.subtract(vb, eta * gb, out=vb)
                new_vw.append(vw)
                new_vb.append(vb)
                np.add(w, vw, out=w_next)
                new_b.append(np.add(b, vb, out=out["b"]))
            else:
                if decay:
                    decay_term = np.multiply(w, decay, out=out["decay"])
                np.subtract(w, w_next, out=w_next)
                if decay:
                    np.subtract(w_next, decay_term, out=w_next)
                new_b.append(np.subtract(b, eta * gb, out=out["b"]))
            new_w.append(w_next)
        return new_w, new_b, new_vw, new_vb

    def _apply_step(
        self,
        z: list[FloatArray],
        a: list[FloatArray],
        delta: list[FloatArray],
        grad_w: list[FloatArray],
        grad_b: list[FloatArray],
        n_train: int | None,
        spare: "_Spare | None" = None,
    ) -> tuple[list[FloatArray], list[FloatArray]]:
        """Update the parameters from the arrays of one forward-backward pass.

        Raises DivergenceError, and changes nothing, when a quantity of the
        pass or a new parameter is NaN or infinite. NaN and infinity
        propagate into the new parameters, so the quick test sums each new
        parameter array and each z, because a sum is NaN or infinite whenever
        one of its terms is. Only a failed sum starts the element-wise search
        of every quantity. A sum can also overflow while every term is
        finite, and then that search finds nothing and the step is taken.
        """
        m = a[0].shape[0]
        new_w, new_b, new_vw, new_vb = self._updated(
            grad_w, grad_b, n_train or m, None if spare is None else spare.arrays
        )
        for per_layer in (new_w, new_b, z):
            for values in per_layer:
                if not math.isfinite(np.add.reduce(values, axis=None)):
                    quantities = [
                        ("z", z),
                        ("a", a[1:]),
                        ("delta", delta),
                        ("dC/dw", grad_w),
                        ("dC/db", grad_b),
                        ("w", new_w),
                        ("b", new_b),
                    ]
                    self._raise_divergence(quantities)

        old_w, old_b = self.weights, self.biases
        old_vw, old_vb = self.velocity_w, self.velocity_b
        self.weights, self.biases = new_w, new_b
        if new_vw:
            self.velocity_w, self.velocity_b = new_vw, new_vb
        if spare is not None:
            spare.recycle(old_w, old_b, old_vw if new_vw else None, old_vb)
        self.steps += 1
        self.examples_seen += m
        return old_w, old_b

    def _raise_divergence(self, quantities: list[tuple[str, list[FloatArray]]]) -> None:
        """Raise DivergenceError for the first non-finite quantity, if any."""
        for name, per_layer in quantities:
            for i, values in enumerate(per_layer):
                if not np.isfinite(values).all():
                    raise DivergenceError(
                        i + 1, name, self.steps + 1, after_update=name in ("w", "b")
                    )

    def step(
        self,
        x: Any,
        y: Any,
        *,
        n_train: int | None = None,
        indices: Any = None,
    ) -> StepResult:
        """Take one SGD step on the mini-batch (x, y) and trace it.

        n_train is the training set size used by L2 weight decay (the
        mini-batch size when not given). indices is recorded, not used.
        On divergence nothing changes and DivergenceError is raised. A
        mini-batch cost before or after the step that is NaN or infinite is a
        divergence too (quantity "cost", layer L), even when every parameter
        is finite.
        """
        if y is None:
            raise ValueError("target is required for the backward pass")
        x, y = self._check_xy(x, y)
        assert y is not None
        # Overflow is reported as a DivergenceError below, not as a warning.
        with np.errstate(all="ignore"):
            z, a, sp = self._forward(x)
            costs = self._costs(z[-1], a[-1], y)
            fwd = ForwardTrace(
                x=x, z=z, a=a, sp=sp, y=y, costs=costs, equations=self._equation_keys
            )
            trace = self._backward(fwd)
            cost_before = float(costs.sum()) / costs.shape[0]
            # _apply_step (without spare arrays) replaces these attributes
            # with new arrays, so keeping references is enough to undo it.
            saved = (
                self.weights,
                self.biases,
                self.velocity_w,
                self.velocity_b,
                self.steps,
                self.examples_seen,
            )
            old_w, old_b = self._apply_step(
                z, a, trace.delta, trace.grad_w, trace.grad_b, n_train
            )
            z_after, a_after, _ = self._forward(x, derivatives=False)
            costs_after = self._costs(z_after[-1], a_after[-1], y)
            cost_after = float(costs_after.sum()) / costs_after.shape[0]
        # Checked after _apply_step, so that a NaN or infinite z, a, delta,
        # gradient or parameter is reported first, by name and layer.
        if not (math.isfinite(cost_before) and math.isfinite(cost_after)):
            (
                self.weights,
                self.biases,
                self.velocity_w,
                self.velocity_b,
                self.steps,
                self.examples_seen,
            ) = saved
            raise DivergenceError(
                self.num_layers,
                "cost",
                self.steps + 1,
                after_update=math.isfinite(cost_before),
            )
        return StepResult(
            indices=None if indices is None else np.asarray(indices),
            m=x.shape[0],
            eta=self.config.eta,
            weights_before=old_w,
            biases_before=old_b,
            weights_after=self.weights,
            biases_after=self.biases,
            cost_before=cost_before,
            cost_after=cost_after,
            trace=trace,
        )

    # Epoch order

    def _epoch_order(self, n_train: int) -> np.ndarray:
        """Return the shuffled order of epoch `self.epochs` for n_train examples.

        The order is drawn from a generator seeded by (seed, epoch, n_train),
        so it depends only on the configuration and the counters, and a
        saved network resumes with the same mini-batches.
        """
        key = (self.epochs, n_train)
        if self._order_key != key:
            rng = np.random.default_rng([self.config.seed, self.epochs, n_train])
            self._order = rng.permutation(n_train)
            self._order_key = key
        return self._order

    def next_batch_indices(self, n_train: int) -> np.ndarray:
        """Return the indices of the next mini-batch, without moving on.

        The last mini-batch of an epoch is smaller when batch_size does not
        divide n_train, as in Nielsen's network.py.
        """
        return self._next_batch_view(n_train).copy()

    def _next_batch_view(self, n_train: int) -> np.ndarray:
        """Return next_batch_indices as a view of the epoch order."""
        if n_train < 1:
            raise ValueError(f"the training set is empty (n_train = {n_train})")
        start = self.epoch_position if self.epoch_position < n_train else 0
        order = self._epoch_order(n_train)
        return order[start : start + self.config.batch_size]

    def _advance(self, m: int, n_train: int) -> None:
        if self.epoch_position >= n_train:
            self.epoch_position = 0
        self.epoch_position += m
        if self.epoch_position >= n_train:
            self.epochs += 1
            self.epoch_position = 0

    def step_next_batch(self, x_train: FloatArray, y_train: FloatArray) -> StepResult:
        """Take a traced SGD step on the next mini-batch of the epoch order."""
        n_train = x_train.shape[0]
        indices = self.next_batch_indices(n_train)
        result = self.step(
            x_train[indices], y_train[indices], n_train=n_train, indices=indices
        )
        self._advance(len(indices), n_train)
        return result

    def train_steps(
        self,
        x_train: FloatArray,
        y_train: FloatArray,
        steps: int,
        *,
        should_stop: Callable[[], bool] | None = None,
        on_step: Callable[["Network"], None] | None = None,
    ) -> int:
        """Take up to `steps` untraced SGD steps; return how many were taken.

        The arithmetic is that of ``step``, without copies of the parameters
        or the cost after each step. x_train and y_train must already be
        checked finite float64 arrays of the right widths. The parameter and
        velocity arrays are reused two steps later, so `on_step` must copy
        any of them that it keeps.
        """
        spare = _Spare(self, x_train, y_train)
        # Entering and leaving np.errstate costs about 3 us a step (numpy 2.4
        # on a 2-core machine), so without callbacks all steps run in one
        # context. Callbacks run outside it, with the caller's settings.
        chunk = steps if should_stop is None and on_step is None else 1
        done = 0
        while done < steps and not (should_stop and should_stop()):
            # Overflow is reported as a DivergenceError, not as a warning.
            with np.errstate(all="ignore"):
                for _ in range(chunk):
                    self._untraced_step(x_train, y_train, spare)
                    done += 1
            if on_step is not None:
                on_step(self)
        return done

    def _untraced_step(
        self, x_train: FloatArray, y_train: FloatArray, spare: "_Spare"
    ) -> None:
        """Take the next mini-batch and do the passes of step, without traces."""
        n_train = x_train.shape[0]
        indices = self._next_batch_view(n_train)
        m = len(indices)
        # take with mode="clip" into a reused buffer skips the bounds check
        # and the allocation of fancy indexing: about 2x faster. The indices
        # come from a permutation, so none is clipped.
        x = x_train.take(indices, axis=0, mode="clip", out=spare.x[:m])
        y = y_train.take(indices, axis=0, mode="clip", out=spare.y[:m])
        z, a, sp = self._forward(x)
        _, delta, grad_b, grad_w = self._gradients(z, a, sp, y)
        self._apply_step(z, a, delta, grad_w, grad_b, n_train, spare)
        self._advance(m, n_train)

    # Evaluation

    def predict(self, x: Any) -> FloatArray:
        """Return the output activations a^L, (m, n_L)."""
        x, _ = self._check_xy(x, None)
        parts = [
            self._forward(x[i : i + EVALUATION_CHUNK], False)[1][-1]
            for i in range(0, x.shape[0], EVALUATION_CHUNK)
        ]
        return np.concatenate(parts)

    def evaluate(
        self, x: Any, y: Any, *, classification: bool = True
    ) -> dict[str, Any]:
        """Return the mean cost and, for classification, the accuracy.

        A prediction is right when argmax a^L equals argmax y; with a single
        output neuron the output is compared with y after rounding at 0.5.
        """
        x, y = self._check_xy(x, y)
        assert y is not None
        total = 0.0
        correct = 0
        for i in range(0, x.shape[0], EVALUATION_CHUNK):
            xb, yb = x[i : i + EVALUATION_CHUNK], y[i : i + EVALUATION_CHUNK]
            z, a, _ = self._forward(xb, derivatives=False)
            total += float(self._costs(z[-1], a[-1], yb).sum())
            if y.shape[1] > 1:
                correct += int((a[-1].argmax(axis=1) == yb.argmax(axis=1)).sum())
            else:
                correct += int(((a[-1] >= 0.5) == (yb >= 0.5)).sum())
        m = x.shape[0]
        accuracy = correct / m if classification else None
        return {"cost": total / m, "accuracy": accuracy}

    # Editing

    def _check_index(self, l: int, j: int, k: int | None = None) -> None:
        L, sizes = self.num_layers, self.config.sizes
        if not 1 <= l <= L:
            raise ValueError(f"layer must be between 1 and {L}, got {l}")
        if not 0 <= j < sizes[l]:
            raise ValueError(f"j must be between 0 and {sizes[l] - 1}, got {j}")
        if k is not None and not 0 <= k < sizes[l - 1]:
            raise ValueError(f"k must be between 0 and {sizes[l - 1] - 1}, got {k}")

    @staticmethod
    def _check_value(value: Any) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"value must be a finite number, got {value!r}") from None
        if not np.isfinite(number):
            raise ValueError(f"value must be finite, got {number}")
        return number

    def set_weight(self, l: int, j: int, k: int, value: float) -> None:
        """Set w^l_jk, the weight to neuron j of layer l from neuron k of l-1."""
        self._check_index(l, j, k)
        self.weights[l - 1] = self.weights[l - 1].copy()
        self.weights[l - 1][j, k] = self._check_value(value)

    def set_bias(self, l: int, j: int, value: float) -> None:
        self._check_index(l, j)
        self.biases[l - 1] = self.biases[l - 1].copy()
        self.biases[l - 1][j] = self._check_value(value)

    def set_parameters(self, weights: Sequence[Any], biases: Sequence[Any]) -> None:
        """Replace every weight and bias.

        Like set_weight and set_bias, this keeps the momentum velocities. An
        optimiser also keeps its state when a parameter is set by hand. Only
        reset sets them to zero.
        """
        self.weights, self.biases = self._check_parameters(weights, biases)

    def set_config(self, **changes: Any) -> None:
        """Change SGD settings between steps (eta, batch_size, lmbda, mu)."""
        allowed = {"eta", "batch_size", "lmbda", "mu"}
        unknown = sorted(set(changes) - allowed)
        if unknown:
            raise ValueError(
                f"cannot change {', '.join(unknown)} of an existing network; "
                f"only {', '.join(sorted(allowed))}"
            )
        self.config = self.config.replace(**changes)

    def reset(self) -> None:
        """Restore the initial parameters and set every counter to 0."""
        if self.initial is None:
            self.weights, self.biases = self._draw_parameters()
        else:
            self.weights = [w.copy() for w in self.initial[0]]
            self.biases = [b.copy() for b in self.initial[1]]
        self.velocity_w = [np.zeros_like(w) for w in self.weights]
        self.velocity_b = [np.zeros_like(b) for b in self.biases]
        self.steps = self.epochs = self.examples_seen = self.epoch_position = 0

    def copy(self) -> "Network":
        """Return an independent network with the same state, counters and all."""
        twin = Network._blank(self.config)
        # The initial arrays are only ever copied from, never written to.
        twin.initial = self.initial
        twin.weights = [w.copy() for w in self.weights]
        twin.biases = [b.copy() for b in self.biases]
        twin.velocity_w = [v.copy() for v in self.velocity_w]
        twin.velocity_b = [v.copy() for v in self.velocity_b]
        twin.steps, twin.epochs = self.steps, self.epochs
        twin.examples_seen = self.examples_seen
        twin.epoch_position = self.epoch_position
        return twin

    def to_document(self) -> dict[str, Any]:
        from app.engine.document import network_to_document

        return network_to_document(self)

    @classmethod
    def from_document(cls, doc: Any) -> "Network":
        from app.engine.document import network_from_document

        return network_from_document(doc)


class _Spare:
    """Arrays that train_steps writes mini-batches and new parameters into.

    A step computes new parameters beside the old ones, so that a diverged
    step can be rejected. Reusing the arrays of the step before saves an
    allocation of each w per step, which costs page faults for large layers.
    The network's arrays are copied first, so no array that a caller held
    before train_steps (from a StepResult, say) is overwritten. Arrays read
    from the network during train_steps, in on_step for example, are.
    """

    def __init__(
        self, network: Network, x_train: FloatArray, y_train: FloatArray
    ) -> None:
        batch = min(network.config.batch_size, x_train.shape[0])
        self.x = np.empty((batch, x_train.shape[1]))
        self.y = np.empty((batch, y_train.shape[1]))
        network.weights = [w.copy() for w in network.weights]
        network.biases = [b.copy() for b in network.biases]
        network.velocity_w = [v.copy() for v in network.velocity_w]
        network.velocity_b = [v.copy() for v in network.velocity_b]
        self.arrays: list[dict[str, FloatArray]] = [
            {
                "w": np.empty_like(w),
                "b": np.empty_like(b),
                "vw": np.empty_like(w),
                "vb": np.empty_like(b),
                "decay": np.empty_like(w),
            }
            for w, b in zip(network.weights, network.biases, strict=True)
        ]

    def recycle(
        self,
        old_w: list[FloatArray],
        old_b: list[FloatArray],
        old_vw: list[FloatArray] | None,
        old_vb: list[FloatArray],
    ) -> None:
        """Take back the arrays that the step just replaced."""
        for i, arrays in enumerate(self.arrays):
            arrays["w"], arrays["b"] = old_w[i], old_b[i]
            if old_vw is not None:
                arrays["vw"], arrays["vb"] = old_vw[i], old_vb[i]
