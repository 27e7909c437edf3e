"""Helpers of the packaging tests: free ports, clean environments, server processes."""

import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 20.0


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def clean_environment() -> dict[str, str]:
    """Return os.environ without the variables that would redirect the server."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("BACKPROP_VIZ_")
        and name not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    }


@dataclass
class RunningServer:
    """A server process started by the start_server fixture."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def log(self) -> str:
        """Return what the server wrote to stdout and stderr so far."""
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        """Send SIGINT (as Ctrl+C does), wait for the exit and return its status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
                pytest.fail(
                    f"server did not stop within {STOP_TIMEOUT_SECONDS} s of "
                    f"SIGINT; log:\n{self.log()}"
                )
        return self.process.returncode


class StartServer(Protocol):
    def __call__(
        self, command: Sequence[str], *, cwd: Path, env: dict[str, str], port: int
    ) -> RunningServer: ...


def wait_for_health(server: RunningServer) -> None:
    """Poll /healthz until it returns 200, failing if the process exits first."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    last_error = "no request made"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(
                f"server exited with status {server.process.returncode} before "
                f"/healthz answered; log:\n{server.log()}"
            )
        try:
            response = httpx.get(f"{server.base_url}/healthz", timeout=2.0)
        except httpx.TransportError as exc:
            last_error = repr(exc)
        else:
            if response.status_code == 200:
                return
            last_error = f"status {response.status_code}: {response.text[:200]}"
        time.sleep(0.2)
    pytest.fail(
        f"/healthz did not return 200 within {START_TIMEOUT_SECONDS} s "
        f"(last: {last_error}); log:\n{server.log()}"
    )
