"""Training throughput of the engine against the classic per-example loop.

Run from the repository root:  python bench/engine_throughput.py

The baseline is the loop of Nielsen's network.py: backpropagate one
example at a time as column vectors, sum the gradients, then update. Both
take the same mini-batches from the same starting parameters, and the
parameters they end with are compared, so the speed-up is for the same
numbers. Also times one traced step (forward, backward, update and the
cost after it) of a 2-3-1 network.
"""

import argparse
import os
import platform
import time
import timeit

import numpy as np

from app.engine import Network, NetworkConfig


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.maximum(z, -708.0)))


def backprop_one(weights, biases, x, y):
    """Return (nabla_b, nabla_w) for one example, as in Nielsen's network.py."""
    activation, activations, zs = x, [x], []
    for w, b in zip(weights, biases, strict=True):
        z = w @ activation + b
        zs.append(z)
        activation = sigmoid(z)
        activations.append(activation)
    nabla_b = [np.zeros(b.shape) for b in biases]
    nabla_w = [np.zeros(w.shape) for w in weights]
    sp = activations[-1] * (1 - activations[-1])
    delta = (activations[-1] - y) * sp
    nabla_b[-1] = delta
    nabla_w[-1] = delta @ activations[-2].T
    for l in range(2, len(weights) + 1):
        a = activations[-l]
        delta = (weights[-l + 1].T @ delta) * (a * (1 - a))
        nabla_b[-l] = delta
        nabla_w[-l] = delta @ activations[-l - 1].T
    return nabla_b, nabla_w


def baseline_train(weights, biases, X, Y, batches, eta):
    """Per-example loop over the given mini-batches; returns new parameters."""
    weights = [w.copy() for w in weights]
    biases = [b[:, None].copy() for b in biases]
    for indices in batches:
        nabla_b = [np.zeros(b.shape) for b in biases]
        nabla_w = [np.zeros(w.shape) for w in weights]
        for i in indices:
            db, dw = backprop_one(weights, biases, X[i][:, None], Y[i][:, None])
            nabla_b = [nb + d for nb, d in zip(nabla_b, db, strict=True)]
            nabla_w = [nw + d for nw, d in zip(nabla_w, dw, strict=True)]
        m = len(indices)
        weights = [w - (eta / m) * nw for w, nw in zip(weights, nabla_w, strict=True)]
        biases = [b - (eta / m) * nb for b, nb in zip(biases, nabla_b, strict=True)]
    return weights, [b[:, 0] for b in biases]


def epoch_batches(network: Network, n: int) -> list[np.ndarray]:
    """Return the mini-batches the engine will use for one epoch."""
    probe = network.copy()
    batches = []
    while probe.epochs == 0:
        indices = probe.next_batch_indices(n)
        batches.append(indices)
        probe._advance(len(indices), n)
    return batches


def throughput(batch_size: int, X: np.ndarray, Y: np.ndarray) -> dict[str, float]:
    config = NetworkConfig(sizes=(784, 30, 10), eta=3.0, batch_size=batch_size)
    network = Network(config)
    batches = epoch_batches(network, X.shape[0])
    w0, b0 = network.weights, network.biases

    start = time.perf_counter()
    base_w, base_b = baseline_train(w0, b0, X, Y, batches, config.eta)
    baseline_s = time.perf_counter() - start

    start = time.perf_counter()
    network.train_steps(X, Y, len(batches))
    engine_s = time.perf_counter() - start

    pairs = [
        *zip(base_w, network.weights, strict=True),
        *zip(base_b, network.biases, strict=True),
    ]
    diff = max(float(np.abs(a - b).max()) for a, b in pairs)
    n = X.shape[0]
    return {
        "baseline": n / baseline_s,
        "engine": n / engine_s,
        "ratio": baseline_s / engine_s,
        "max_abs_diff": diff,
    }


def traced_step_microseconds(repeats: int) -> float:
    network = Network(NetworkConfig(sizes=(2, 3, 1)))
    x, y = np.array([0.5, -0.25]), np.array([1.0])
    timer = timeit.Timer(lambda: network.step(x, y))
    loops = 2000
    return min(timer.repeat(repeat=repeats, number=loops)) / loops * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    X = rng.random((args.examples, 784))
    Y = np.eye(10)[rng.integers(0, 10, args.examples)]
    print(f"python {platform.python_version()}, numpy {np.__version__}")
    # Other processes on the machine change every figure below, so the
    # 1-minute load average is printed before and after the run.
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for batch_size in (10, 100):
        runs = [throughput(batch_size, X, Y) for _ in range(args.repeats)]
        best = max(runs, key=lambda r: r["ratio"])
        median_ratio = sorted(r["ratio"] for r in runs)[len(runs) // 2]
        print(
            f"784-30-10, mini-batch {batch_size}: engine {best['engine']:,.0f} ex/s, "
            f"per-example loop {best['baseline']:,.0f} ex/s, "
            f"median ratio {median_ratio:.1f}x, "
            f"max |difference| {best['max_abs_diff']:.1e}"
        )
    step_us = traced_step_microseconds(args.repeats)
    print(
        f"2-3-1 traced step (forward, backward, update, cost after): {step_us:.1f} us"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
