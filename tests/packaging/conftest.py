"""Fixture that starts backprop-viz servers as child processes on 127.0.0.1."""

import os
import signal
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from packaging_support import RunningServer, StartServer, wait_for_health


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """Start server commands, wait for /healthz, and kill leftovers at teardown."""
    servers: list[RunningServer] = []

    def start(
        command: Sequence[str], *, cwd: Path, env: dict[str, str], port: int
    ) -> RunningServer:
        log_path = tmp_path / f"server-{len(servers)}.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                list(command),
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                # Its own process group, so teardown also reaches the workers.
                start_new_session=True,
            )
        server = RunningServer(process, f"http://127.0.0.1:{port}", log_path)
        servers.append(server)
        wait_for_health(server)
        return server

    yield start

    for server in servers:
        if server.process.poll() is None:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()
