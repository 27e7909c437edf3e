"""Latency and throughput of the REST API's forward, backward and step requests.

Run from the repository root:  python bench/api_latency.py

The script starts its own server (uvicorn, one worker, 127.0.0.1, a free
port, a temporary data directory, no access log) and creates two networks:
2-4-4-1 on the "plane" data set (2 inputs, 1 regression output) and 64-30-10
on "digits". For each number of concurrent clients, it first measures
GET /healthz as the floor and then forward and backward
({"split": "train", "index": i}, i cycling over the training split) and step
({}, the next mini-batch) on each network. All clients of a cell send their
requests to the same network, so its steps run one after the other. Each
client is an httpx.AsyncClient with one keep-alive connection and sends its
next request when the previous one has returned. Every cell starts with a
warm-up whose requests are not counted. The default run takes about 2.5
minutes.

Targets: at 1 client, step p50 at most 2x the floor's p50; at 50 clients,
step throughput at least 0.5x the floor's.

NOTE: the clients run in this one process and share the machine's cores
with the server and with anything else running. At 10 and 50 clients the
client's event loop adds its own delay to each latency. When the client is
the bottleneck, the floor's throughput is below what the server alone could
serve, so the throughput ratios look better than they are. The "server
CPU" and "client CPU" columns (percent of one core) and the load average in
the header show how busy each side and the machine were.

--blas-threads N sets the server's BLAS thread count. --app measures another
uvicorn factory, for example a patched copy of the app. --profile-steps N
also calls the step handler N times in this process on a 64-30-10 network,
under cProfile, and prints the functions with the most own time.
"""

import argparse
import asyncio
import contextlib
import cProfile
import dataclasses
import io
import os
import platform
import pstats
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
APP_FACTORY = "app.api.main:create_app"
DATA_DIR_ENV = "BACKPROP_VIZ_DATA_DIR"
# Variables that set the thread count of numpy's BLAS (OpenBLAS in numpy's
# wheels, MKL or an OpenMP build elsewhere).
BLAS_THREAD_ENVS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
SERVER_START_TIMEOUT_S = 30.0
# Generous, so a slow request shows up as a long latency, not as an error.
REQUEST_TIMEOUT_S = 60.0

# The two networks of the benchmark: label, data set, layer sizes.
NETWORKS = (
    ("2-4-4-1", "plane", [2, 4, 4, 1]),
    ("64-30-10", "digits", [64, 30, 10]),
)
OPERATIONS = ("forward", "backward", "step")
FLOOR_LABEL = "GET /healthz"

STEP_P50_TARGET = 2.0
STEP_THROUGHPUT_TARGET = 0.5


@dataclasses.dataclass(frozen=True)
class Workload:
    """One kind of request: the label in the table and how to send it."""

    network: str
    operation: str
    method: str
    path: str
    # Number of training examples to cycle through, or 0 for a request
    # without an example body.
    n_train: int = 0

    def body(self, i: int) -> dict[str, Any] | None:
        if self.method == "GET":
            return None
        if self.n_train == 0:
            return {}
        return {"split": "train", "index": i % self.n_train}


@dataclasses.dataclass
class Cell:
    """The measured requests of one workload at one number of clients."""

    workload: Workload
    clients: int
    latencies_s: list[float]
    errors: int
    first_error: str | None
    elapsed_s: float
    server_cpu_s: float
    client_cpu_s: float

    @property
    def requests(self) -> int:
        return len(self.latencies_s) + self.errors

    def percentile_ms(self, q: float) -> float:
        if not self.latencies_s:
            return float("nan")
        return float(np.percentile(self.latencies_s, q)) * 1000.0

    @property
    def throughput(self) -> float:
        return len(self.latencies_s) / self.elapsed_s


# Server process


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command(port: int, app_factory: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        app_factory,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def server_environment(data_dir: Path, blas_threads: int | None) -> dict[str, str]:
    env = {**os.environ, DATA_DIR_ENV: str(data_dir)}
    env.pop("BACKPROP_VIZ_DB", None)
    if blas_threads is not None:
        env.update({name: str(blas_threads) for name in BLAS_THREAD_ENVS})
    return env


@contextlib.contextmanager
def running_server(
    data_dir: Path, app_factory: str, blas_threads: int | None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start uvicorn on a free port, yield its base URL and process, then stop it."""
    port = free_port()
    env = server_environment(data_dir, blas_threads)
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            server_command(port, app_factory),
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(base_url, process, log_path)
            yield base_url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_healthy(
    base_url: str, process: subprocess.Popen[bytes], log_path: Path
) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the server exited with code {process.returncode} before it "
                f"responded to /healthz. Its output:\n{log_path.read_text()}"
            )
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"the server did not respond to /healthz within {SERVER_START_TIMEOUT_S} s. "
        f"Its output:\n{log_path.read_text()}"
    )


def process_cpu_seconds(pid: int) -> float:
    """Return user plus system CPU time of a process, from /proc/<pid>/stat."""
    text = Path(f"/proc/{pid}/stat").read_text()
    # Split after the command name, which is in brackets and may contain
    # spaces. utime and stime are the 14th and 15th fields of the whole line.
    fields = text[text.rindex(")") + 2 :].split()
    ticks = int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


# Workloads


def create_networks(base_url: str) -> list[Workload]:
    """Create the benchmark's networks and return the workloads on each."""
    workloads = []
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as client:
        for label, dataset, sizes in NETWORKS:
            response = client.post(
                "/api/networks", json={"dataset": dataset, "sizes": sizes}
            )
            if response.status_code != 201:
                raise RuntimeError(
                    f"creating the {label} network failed with "
                    f"{response.status_code}: {response.text}"
                )
            state = response.json()
            if state["config"]["sizes"] != sizes:
                raise RuntimeError(
                    f"the {label} network has sizes {state['config']['sizes']}"
                )
            info = client.get(f"/api/datasets/{dataset}")
            info.raise_for_status()
            n_train = int(info.json()["n_train"])
            prefix = f"/api/networks/{state['id']}"
            workloads += [
                Workload(label, "forward", "POST", f"{prefix}/forward", n_train),
                Workload(label, "backward", "POST", f"{prefix}/backward", n_train),
                Workload(label, "step", "POST", f"{prefix}/step"),
            ]
    return workloads


# Measurement


@dataclasses.dataclass
class Tally:
    """Latencies of the successful requests of a phase, and the failures."""

    latencies_s: list[float] = dataclasses.field(default_factory=list)
    errors: int = 0
    first_error: str | None = None

    def add_error(self, message: str) -> None:
        self.errors += 1
        if self.first_error is None:
            self.first_error = message


async def run_client(
    client: httpx.AsyncClient,
    workload: Workload,
    deadline: float,
    first_index: int,
    stride: int,
    tally: Tally,
) -> None:
    """Send requests one after another until the deadline (perf_counter)."""
    i = first_index
    while time.perf_counter() < deadline:
        body = workload.body(i)
        i += stride
        start = time.perf_counter()
        try:
            response = await client.request(workload.method, workload.path, json=body)
        except httpx.TransportError as exc:
            tally.add_error(f"{type(exc).__name__}: {exc}")
            continue
        latency = time.perf_counter() - start
        if response.is_success:
            tally.latencies_s.append(latency)
        else:
            tally.add_error(f"{response.status_code}: {response.text[:200]}")


async def run_phase(
    clients: list[httpx.AsyncClient], workload: Workload, seconds: float
) -> tuple[Tally, float]:
    """Run every client for `seconds`, then return the tally and elapsed time."""
    tally = Tally()
    start = time.perf_counter()
    deadline = start + seconds
    await asyncio.gather(
        *(
            run_client(client, workload, deadline, n, len(clients), tally)
            for n, client in enumerate(clients)
        )
    )
    return tally, time.perf_counter() - start


async def measure_cell(
    base_url: str,
    workload: Workload,
    n_clients: int,
    duration_s: float,
    warmup_s: float,
    server_pid: int,
) -> Cell:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(
                    base_url=base_url, limits=limits, timeout=REQUEST_TIMEOUT_S
                )
            )
            for _ in range(n_clients)
        ]
        await run_phase(clients, workload, warmup_s)

        server_cpu = process_cpu_seconds(server_pid)
        client_cpu = time.process_time()
        tally, elapsed = await run_phase(clients, workload, duration_s)
        server_cpu = process_cpu_seconds(server_pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
    return Cell(
        workload=workload,
        clients=n_clients,
        latencies_s=tally.latencies_s,
        errors=tally.errors,
        first_error=tally.first_error,
        elapsed_s=elapsed,
        server_cpu_s=server_cpu,
        client_cpu_s=client_cpu,
    )


def run_benchmark(
    base_url: str,
    server_pid: int,
    workloads: list[Workload],
    client_counts: list[int],
    duration_s: float,
    warmup_s: float,
) -> list[Cell]:
    """Measure the floor, then every workload, at each number of clients."""
    floor = Workload("server", FLOOR_LABEL, "GET", "/healthz")
    cells = []
    for n_clients in client_counts:
        for workload in [floor, *workloads]:
            cell = asyncio.run(
                measure_cell(
                    base_url, workload, n_clients, duration_s, warmup_s, server_pid
                )
            )
            print(
                f"  {n_clients:>3} clients  {workload.network:<9} "
                f"{workload.operation:<13} {cell.requests:>6} requests",
                file=sys.stderr,
            )
            cells.append(cell)
    return cells


# Report


def machine_lines(argv: list[str], load_before: float) -> list[str]:
    cpu_model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = shlex.join(["python", *argv])
    return [
        f"- machine: {cpu_model}, {os.cpu_count()} logical cores, "
        f"{platform.system()} {platform.release()}",
        f"- load average (1 min): {load_before:.1f} before the run, "
        f"{os.getloadavg()[0]:.1f} at its end (this run included)",
        f"- python {platform.python_version()}, numpy {np.__version__}, "
        f"httpx {httpx.__version__}",
        f"- date: {now}",
        f"- command: `{command}`",
    ]


def blas_threads_text(blas_threads: int | None) -> str:
    """Describe where the server's BLAS thread count comes from.

    Call it before anything imports the app, which may set a default.
    """
    if blas_threads is not None:
        return f"{blas_threads} (set by --blas-threads)"
    inherited = [
        f"{name}={os.environ[name]}" for name in BLAS_THREAD_ENVS if name in os.environ
    ]
    if inherited:
        return ", ".join(inherited) + " (from the environment)"
    return "not set by the benchmark or its environment, so the app's default"


def ratio(numerator: float, denominator: float) -> float:
    """Return numerator / denominator, or NaN when the floor has no result."""
    if denominator == 0 or np.isnan(denominator):
        return float("nan")
    return numerator / denominator


def ratio_text(value: float) -> str:
    return "-" if np.isnan(value) else f"{value:.2f}"


def verdict_text(value: float, met: bool) -> str:
    if np.isnan(value):
        return "not measured (no successful requests)"
    return f"{value:.2f} ({'met' if met else 'missed'})"


def format_table(cells: list[Cell]) -> list[str]:
    floors = {c.clients: c for c in cells if c.workload.operation == FLOOR_LABEL}
    lines = [
        "| network | request | clients | requests | errors | p50 ms | p99 ms "
        "| req/s | p50 / floor p50 | req/s / floor req/s | server CPU % "
        "| client CPU % |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for cell in cells:
        floor = floors[cell.clients]
        p50 = cell.percentile_ms(50)
        lines.append(
            f"| {cell.workload.network} | {cell.workload.operation} "
            f"| {cell.clients} | {cell.requests} | {cell.errors} "
            f"| {p50:.2f} | {cell.percentile_ms(99):.2f} "
            f"| {cell.throughput:,.0f} "
            f"| {ratio_text(ratio(p50, floor.percentile_ms(50)))} "
            f"| {ratio_text(ratio(cell.throughput, floor.throughput))} "
            f"| {100 * cell.server_cpu_s / cell.elapsed_s:.0f} "
            f"| {100 * cell.client_cpu_s / cell.elapsed_s:.0f} |"
        )
    return lines


def find_cell(cells: list[Cell], network: str, operation: str, clients: int) -> Cell:
    for cell in cells:
        workload = cell.workload
        if (workload.network, workload.operation, cell.clients) == (
            network,
            operation,
            clients,
        ):
            return cell
    raise KeyError((network, operation, clients))


def format_targets(cells: list[Cell], client_counts: list[int]) -> list[str]:
    lines = [
        f"| network | step p50 / floor p50 at 1 client (target <= "
        f"{STEP_P50_TARGET:g}) | step req/s / floor req/s at 50 clients "
        f"(target >= {STEP_THROUGHPUT_TARGET:g}) |",
        "|---|---|---|",
    ]
    for label, _, _ in NETWORKS:
        latency_text = "not measured (needs --clients with 1)"
        if 1 in client_counts:
            step = find_cell(cells, label, "step", 1)
            floor = find_cell(cells, "server", FLOOR_LABEL, 1)
            p50_ratio = ratio(step.percentile_ms(50), floor.percentile_ms(50))
            latency_text = verdict_text(p50_ratio, p50_ratio <= STEP_P50_TARGET)
        throughput_text = "not measured (needs --clients with 50)"
        if 50 in client_counts:
            step = find_cell(cells, label, "step", 50)
            floor = find_cell(cells, "server", FLOOR_LABEL, 50)
            rate_ratio = ratio(step.throughput, floor.throughput)
            throughput_text = verdict_text(
                rate_ratio, rate_ratio >= STEP_THROUGHPUT_TARGET
            )
        lines.append(f"| {label} | {latency_text} | {throughput_text} |")
    return lines


def error_lines(cells: list[Cell]) -> list[str]:
    return [
        f"- {c.workload.network} {c.workload.operation}, {c.clients} clients: "
        f"{c.errors} failed requests, first {c.first_error}"
        for c in cells
        if c.errors
    ]


# In-process profile


def profile_steps(n_steps: int, data_dir: Path, top: int = 20) -> str:
    """Profile n_steps calls of the step handler on a 64-30-10 network.

    The handler's synchronous part (what run_sized runs on the event loop
    or in a thread) is called directly in this thread, because cProfile
    records only the thread that enabled it. So request parsing, routing and
    the socket are left out. Returns the cProfile listing sorted by own time.
    """
    from fastapi.testclient import TestClient

    from app.api.main import create_app
    from app.api.routes.passes import _step
    from app.api.schemas.passes import StepRequest
    from app.settings import Settings

    app = create_app(Settings(db_path=data_dir / "profile.sqlite3"))
    label, dataset, sizes = NETWORKS[1]
    # The context runs the app's startup and shutdown.
    with TestClient(app) as client:
        response = client.post(
            "/api/networks", json={"dataset": dataset, "sizes": sizes}
        )
        response.raise_for_status()
        network_id = response.json()["id"]
        services = app.state.services
        for _ in range(20):
            _step(network_id, StepRequest(), services)

        start = time.perf_counter()
        for _ in range(n_steps):
            _step(network_id, StepRequest(), services)
        plain_ms = (time.perf_counter() - start) / n_steps * 1000.0

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(n_steps):
            _step(network_id, StepRequest(), services)
        profiler.disable()

    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    header = (
        f"Step handler on {label}, called directly: {plain_ms:.2f} ms per step "
        f"without the profiler (mean of {n_steps}, after 20 warm-up steps), "
        f"then cProfile of {n_steps} more steps:\n"
    )
    return header + out.getvalue()


# The profile runs in a child process with the server's environment, which
# imports the app before numpy as uvicorn does. So numpy's BLAS starts with
# the same thread count as in the server.
PROFILE_CHILD_CODE = """
import runpy, sys
from pathlib import Path
import app.api.main
bench = runpy.run_path(sys.argv[1])
print(bench["profile_steps"](int(sys.argv[2]), Path(sys.argv[3])))
"""


def profile_in_child(n_steps: int, data_dir: Path, env: dict[str, str]) -> str:
    """Run profile_steps in a child process and return its output."""
    command = [
        sys.executable,
        "-c",
        PROFILE_CHILD_CODE,
        str(Path(__file__).resolve()),
        str(n_steps),
        str(data_dir),
    ]
    completed = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"the profile process failed with code {completed.returncode}:\n"
            f"{completed.stderr}"
        )
    return completed.stdout


# Main


def parse_client_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--clients must be comma-separated whole numbers, got {text!r}"
        ) from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(
            f"--clients needs at least one count, each at least 1, got {text!r}"
        )
    return counts


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duration",
        type=float,
        default=4.0,
        help="seconds of measured requests per cell (default 4)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=1.0,
        help="seconds of uncounted requests before each cell (default 1)",
    )
    parser.add_argument(
        "--clients",
        type=parse_client_counts,
        default=[1, 10, 50],
        help="comma-separated numbers of concurrent clients (default 1,10,50)",
    )
    parser.add_argument(
        "--app",
        default=APP_FACTORY,
        help=f"uvicorn factory of the app to measure (default {APP_FACTORY})",
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="set the server's BLAS threads through OPENBLAS_NUM_THREADS, "
        "OMP_NUM_THREADS and MKL_NUM_THREADS (default: inherit the environment)",
    )
    parser.add_argument(
        "--profile-steps",
        type=int,
        default=0,
        help="also profile this many in-process step handler calls (default 0, off)",
    )
    args = parser.parse_args(argv)
    cells_total = len(args.clients) * (1 + len(NETWORKS) * len(OPERATIONS))
    print(
        f"{cells_total} cells of {args.warmup:g} s warm-up and {args.duration:g} s "
        f"measurement, about {cells_total * (args.warmup + args.duration):.0f} s",
        file=sys.stderr,
    )

    load_before = os.getloadavg()[0]
    blas = args.blas_threads
    blas_text = blas_threads_text(blas)
    with tempfile.TemporaryDirectory(prefix="backprop-viz-bench-") as tmp:
        data_dir = Path(tmp)
        with running_server(data_dir, args.app, args.blas_threads) as (
            base_url,
            process,
        ):
            workloads = create_networks(base_url)
            cells = run_benchmark(
                base_url,
                process.pid,
                workloads,
                args.clients,
                args.duration,
                args.warmup,
            )
        profile = ""
        if args.profile_steps > 0:
            profile = profile_in_child(
                args.profile_steps, data_dir, server_environment(data_dir, blas)
            )

    lines = [
        "## REST API latency",
        "",
        *machine_lines([Path(sys.argv[0]).as_posix(), *argv], load_before),
        f"- server: uvicorn, 1 worker, 127.0.0.1, app {args.app}; "
        f"{args.duration:g} s measured "
        f"after {args.warmup:g} s warm-up per cell; one keep-alive connection "
        "per client",
        f"- server BLAS threads: {blas_text}",
        "",
        *format_table(cells),
        "",
        "Targets (floor = GET /healthz at the same number of clients):",
        "",
        *format_targets(cells, args.clients),
    ]
    errors = error_lines(cells)
    if errors:
        lines += ["", "Failed requests:", "", *errors]
    print("\n".join(lines))
    if profile:
        print()
        print(profile)


if __name__ == "__main__":
    main()
