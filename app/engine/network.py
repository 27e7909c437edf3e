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
from app.engine.trace import BackwardTrace, DivergenceError, ForwardTrace, StepResult

# Mini-batches larger than this are evaluated in chunks to bound memory.
EVALUATION_CHUNK = 1000


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


class Network:
    """Weights, biases, SGD state and counters of one network."""

    def __init__(
        self,
        config: NetworkConfig,
        weights: Sequence[Any] | None = None,
        biases: Sequence[Any] | None = None,
    ) -> None:
        self.config = config
        self.steps = 0
        self.epochs = 0
        self.examples_seen = 0
        self.epoch_position = 0
        self._order_key: tuple[int, int] | None = None
        self._order = np.empty(0, dtype=np.int64)
        self._set_activations()

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

    def _set_activations(self) -> None:
        c = self.config
        hidden = activation(c.hidden_activation, c.leaky_slope)
        output = activation(c.output_activation, c.leaky_slope)
        self._activations = [hidden] * (c.num_layers - 1) + [output]

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
        self, weights: Sequence[Any], biases: Sequence[Any]
    ) -> tuple[list[FloatArray], list[FloatArray]]:
        sizes = self.config.sizes
        L = self.config.num_layers
        if len(weights) != L or len(biases) != L:
            raise ValueError(
                f"weights and biases need one entry per layer 1..{L}, got "
                f"{len(weights)} weight matrices and {len(biases)} bias vectors"
            )
        checked_w, checked_b = [], []
        for l in range(1, L + 1):
            shape_w = (sizes[l], sizes[l - 1])
            w = self._check_array(f"weights[{l - 1}] (w^{l})", weights[l - 1], shape_w)
            b = self._check_array(
                f"biases[{l - 1}] (b^{l})", biases[l - 1], shape_w[:1]
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
        if cost == "cross_entropy" and ((y < 0) | (y > 1)).any():
            raise ValueError("target values must lie in [0, 1] for cross_entropy")
        if cost == "log_likelihood" and (y < 0).any():
            raise ValueError("target values must be >= 0 for log_likelihood")
        return x, y

    def _forward(
        self, x: FloatArray, derivatives: bool = True
    ) -> tuple[list[FloatArray], list[FloatArray], list[FloatArray]]:
        """Return z^l, a^l and, when derivatives is set, s'(z^l) per layer."""
        z_list, a_list, sp_list = [], [x], []
        for w, b, (sigma, sigma_prime) in zip(
            self.weights, self.biases, self._activations, strict=True
        ):
            z = a_list[-1] @ w.T + b
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
        return ForwardTrace(x=x, z=z, a=a, sp=sp, y=y, costs=costs)

    def _backward(self, fwd: ForwardTrace) -> BackwardTrace:
        """Apply BP1 at the output, BP2 down to layer 1, then BP3 and BP4."""
        assert fwd.y is not None
        c = self.config
        z, a, sp, y = fwd.z, fwd.a, fwd.sp, fwd.y
        m = y.shape[0]
        g = grad_a(c.cost, a[-1], y)
        delta = [np.empty(0)] * c.num_layers
        delta[-1] = delta_output(
            c.cost, c.output_activation, z[-1], a[-1], y, sp[-1], g
        )
        for i in range(c.num_layers - 2, -1, -1):
            # BP2 for layer l = i + 1, one row per example: (w^{l+1})^T delta^{l+1}.
            delta[i] = (delta[i + 1] @ self.weights[i + 1]) * sp[i]

        # BP3 and BP4 averaged over the mini-batch as matrix products; delta
        # is divided by m before the product, which is cheaper than after.
        mean_delta = [d / m for d in delta]
        grad_b = [d.sum(axis=0) for d in mean_delta]
        grad_w = [d.T @ a[i] for i, d in enumerate(mean_delta)]
        return BackwardTrace(
            forward=fwd, grad_a=g, delta=delta, grad_b=grad_b, grad_w=grad_w
        )

    def backward(self, x: Any, y: Any) -> BackwardTrace:
        """Run forward and backward passes; y is required."""
        if y is None:
            raise ValueError("target is required for the backward pass")
        return self._backward(self.forward(x, y))

    # SGD

    def _updated(
        self, trace: BackwardTrace, n_train: int, spare: "_Spare | None" = None
    ) -> tuple[list[FloatArray], list[FloatArray], list[FloatArray], list[FloatArray]]:
        """Return new weights, biases and velocities; self is not changed.

        With L2 regularisation the weights decay by 1 - eta lmbda / n_train
        (Nielsen ch. 3); biases are not regularised. With momentum mu,
        v -> mu v - eta grad and w -> w + v. The results are written into
        `spare` when given, else into new arrays; the arithmetic is the same.
        """
        c = self.config
        eta, mu = c.eta, c.mu
        decay = eta * c.lmbda / n_train
        new_w, new_b, new_vw, new_vb = [], [], [], []
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            gw, gb = trace.grad_w[i], trace.grad_b[i]
            out = (lambda name: None) if spare is None else spare.slot(i)
            scratch = np.multiply(gw, eta, out=out("scratch"))
            if mu:
                vw = np.multiply(self.velocity_w[i], mu, out=out("vw"))
                np.subtract(vw, scratch, out=vw)
                if decay:
                    np.subtract(vw, np.multiply(w, decay, out=scratch), out=vw)
                vb = np.multiply(self.velocity_b[i], mu, out=out("vb"))
                np.subtract(vb, eta * gb, out=vb)
                new_vw.append(vw)
                new_vb.append(vb)
                new_w.append(np.add(w, vw, out=out("w")))
                new_b.append(np.add(b, vb, out=out("b")))
            else:
                w_next = np.subtract(w, scratch, out=out("w"))
                if decay:
                    np.subtract(w_next, np.multiply(w, decay, out=scratch), out=w_next)
                new_w.append(w_next)
                new_b.append(np.subtract(b, eta * gb, out=out("b")))
        return new_w, new_b, new_vw, new_vb

    def _check_finite(
        self,
        trace: BackwardTrace,
        new_w: list[FloatArray],
        new_b: list[FloatArray],
    ) -> None:
        """Raise DivergenceError naming the first non-finite quantity.

        NaN and infinity propagate into the new parameters, so those are
        checked first and the trace is searched only when one has diverged.
        A sum is NaN or infinite whenever one of its terms is, so one sum per
        array is the quick test. A sum can also overflow while every term is
        finite, and then the exact, element-wise search finds nothing.
        """
        for arrays in (new_w, new_b, trace.forward.z):
            for values in arrays:
                if not math.isfinite(values.sum()):
                    self._raise_divergence(trace, new_w, new_b)

    def _raise_divergence(
        self,
        trace: BackwardTrace,
        new_w: list[FloatArray],
        new_b: list[FloatArray],
    ) -> None:
        """Raise DivergenceError for the first non-finite quantity, if any."""
        quantities = [
            ("z", trace.forward.z),
            ("a", trace.forward.a[1:]),
            ("delta", trace.delta),
            ("dC/dw", trace.grad_w),
            ("dC/db", trace.grad_b),
            ("w", new_w),
            ("b", new_b),
        ]
        for name, per_layer in quantities:
            for i, values in enumerate(per_layer):
                if not np.isfinite(values).all():
                    raise DivergenceError(i + 1, name, self.steps + 1)

    def _apply_step(
        self, trace: BackwardTrace, n_train: int | None, spare: "_Spare | None" = None
    ) -> tuple[list[FloatArray], list[FloatArray]]:
        m = trace.grad_a.shape[0]
        new_w, new_b, new_vw, new_vb = self._updated(trace, n_train or m, spare)
        self._check_finite(trace, new_w, new_b)
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
        # Overflow is reported as a DivergenceError below, not as a warning.
        with np.errstate(all="ignore"):
            trace = self.backward(x, y)
            fwd = trace.forward
            cost_before = fwd.cost
            assert fwd.y is not None and cost_before is not None
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
            old_w, old_b = self._apply_step(trace, n_train)
            z_after, a_after, _ = self._forward(fwd.x, derivatives=False)
            costs_after = self._costs(z_after[-1], a_after[-1], fwd.y)
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
            raise DivergenceError(self.num_layers, "cost", self.steps + 1)
        return StepResult(
            indices=None if indices is None else np.asarray(indices),
            m=fwd.x.shape[0],
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
        if n_train < 1:
            raise ValueError(f"the training set is empty (n_train = {n_train})")
        start = self.epoch_position if self.epoch_position < n_train else 0
        order = self._epoch_order(n_train)
        return order[start : start + self.config.batch_size].copy()

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
        n_train = x_train.shape[0]
        spare = _Spare(self)
        batch = min(self.config.batch_size, n_train)
        x_buffer = np.empty((batch, x_train.shape[1]))
        y_buffer = np.empty((batch, y_train.shape[1]))
        done = 0
        while done < steps and not (should_stop and should_stop()):
            indices = self.next_batch_indices(n_train)
            m = len(indices)
            # take with mode="clip" into a reused buffer skips the bounds
            # check and the allocation of fancy indexing: about 2x faster.
            # The indices come from a permutation, so none is clipped.
            x = np.take(x_train, indices, axis=0, mode="clip", out=x_buffer[:m])
            y = np.take(y_train, indices, axis=0, mode="clip", out=y_buffer[:m])
            with np.errstate(all="ignore"):
                z, a, sp = self._forward(x)
                fwd = ForwardTrace(x=x, z=z, a=a, sp=sp, y=y, costs=None)
                self._apply_step(self._backward(fwd), n_train, spare)
            self._advance(len(indices), n_train)
            done += 1
            if on_step is not None:
                on_step(self)
        return done

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
        from app.engine.document import network_from_document, network_to_document

        return network_from_document(network_to_document(self))

    def to_document(self) -> dict[str, Any]:
        from app.engine.document import network_to_document

        return network_to_document(self)

    @classmethod
    def from_document(cls, doc: Any) -> "Network":
        from app.engine.document import network_from_document

        return network_from_document(doc)


class _Spare:
    """Arrays that train_steps writes new parameters into, then reuses.

    A step computes new parameters beside the old ones, so that a diverged
    step can be rejected. Reusing the arrays of the step before saves an
    allocation of each w per step, which costs page faults for large layers.
    The network's arrays are copied first, so no array that a caller held
    before train_steps (from a StepResult, say) is overwritten. Arrays read
    from the network during train_steps, in on_step for example, are.
    """

    def __init__(self, network: Network) -> None:
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
                "scratch": np.empty_like(w),
            }
            for w, b in zip(network.weights, network.biases, strict=True)
        ]

    def slot(self, i: int) -> Callable[[str], FloatArray]:
        return self.arrays[i].__getitem__

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
