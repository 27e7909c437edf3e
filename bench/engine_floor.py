"""Time the parts of one bare mini-batch SGD step of a 784-30-10 network.

Run from the repository root:  python bench/engine_floor.py [--batch 100]

The loop below does only the arithmetic of a step, in float64 numpy with no
tracing, no checks beyond one finiteness test and no bookkeeping. It shows
how close the engine's train_steps can get on this machine, and which part
of a step costs what. Compare its examples/s with bench/engine_throughput.py.
"""

import argparse
import os
import time
from collections import defaultdict

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.maximum(z, -708.0)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--steps", type=int, default=1000)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    n, m, eta = 10_000, args.batch, 3.0
    X = rng.random((n, 784))
    Y = np.eye(10)[rng.integers(0, 10, n)]
    w1, w2 = rng.standard_normal((30, 784)), rng.standard_normal((10, 30))
    b1, b2 = rng.standard_normal(30), rng.standard_normal(10)
    order = rng.permutation(n)
    x = np.empty((m, 784))
    y = np.empty((m, 10))
    seconds: dict[str, float] = defaultdict(float)

    for step in range(args.steps):
        start = (step * m) % (n - m + 1)
        t0 = time.perf_counter()
        indices = order[start : start + m]
        np.take(X, indices, axis=0, mode="clip", out=x)
        np.take(Y, indices, axis=0, mode="clip", out=y)
        t1 = time.perf_counter()
        z1 = x @ w1.T
        t2 = time.perf_counter()
        a1 = sigmoid(z1 + b1)
        a2 = sigmoid(a1 @ w2.T + b2)
        delta2 = (a2 - y) * a2 * (1 - a2) * (eta / m)
        delta1 = (delta2 @ w2) * a1 * (1 - a1)
        t3 = time.perf_counter()
        grad_w1 = delta1.T @ x
        t4 = time.perf_counter()
        w1_new, w2_new = w1 - grad_w1, w2 - delta2.T @ a1
        b1_new, b2_new = b1 - delta1.sum(axis=0), b2 - delta2.sum(axis=0)
        if not np.isfinite(w1_new.sum()):
            raise FloatingPointError("the step diverged")
        w1, w2, b1, b2 = w1_new, w2_new, b1_new, b2_new
        t5 = time.perf_counter()
        seconds["gather the mini-batch rows"] += t1 - t0
        seconds["forward product of layer 1"] += t2 - t1
        seconds["sigmoid, BP1, BP2 and layer 2"] += t3 - t2
        seconds["backward product dC/dw^1"] += t4 - t3
        seconds["update and finiteness check"] += t5 - t4

    total = sum(seconds.values())
    print(f"784-30-10, mini-batch {m}, {args.steps} steps")
    for part, value in seconds.items():
        print(f"  {part:32s} {value / args.steps * 1e6:7.1f} us per step")
    per_step = total / args.steps
    rate = m / per_step
    print(f"  {'total':32s} {per_step * 1e6:7.1f} us per step, {rate:,.0f} ex/s")
    print(f"  load average after the run: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
