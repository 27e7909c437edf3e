"""Argument checks of `backprop-viz serve` and what it passes to uvicorn."""

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from packaging_support import clean_environment

from app import cli

DATA_DIR_ENV = "BACKPROP_VIZ_DATA_DIR"


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Any:
    """Run `python -m app` in a child process and return the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=cwd,
        env=clean_environment() if env is None else env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--port", "0", "from 1 to 65535, got 0"),
        ("--port", "65536", "from 1 to 65535, got 65536"),
        ("--port", "-1", "from 1 to 65535, got -1"),
        ("--port", "http", "from 1 to 65535, got 'http'"),
        ("--workers", "0", "at least 1, got 0"),
        ("--workers", "two", "at least 1, got 'two'"),
        ("--log-level", "loud", "invalid choice: 'loud'"),
        ("--host", "", "must be an IP address or host name"),
        ("--host", "local host", "must be an IP address or host name"),
    ],
)
def test_invalid_option_exits_2(
    tmp_path: Path, option: str, value: str, expected: str
) -> None:
    result = run_cli("serve", option, value, "--data-dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"argument {option}: " in result.stderr
    assert expected in result.stderr
    assert "usage: python -m app serve" in result.stderr


def test_data_dir_that_is_a_file_exits_2(tmp_path: Path) -> None:
    occupied = tmp_path / "occupied"
    occupied.write_text("not a directory")
    result = run_cli("serve", "--data-dir", str(occupied / "db"), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "--data-dir: cannot create directory" in result.stderr
    assert str(occupied / "db") in result.stderr


def test_invalid_limit_variable_exits_2(tmp_path: Path) -> None:
    env = clean_environment()
    env["BACKPROP_VIZ_MAX_LAYERS"] = "many"
    result = run_cli("serve", "--data-dir", str(tmp_path), cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stderr
    assert "BACKPROP_VIZ_MAX_LAYERS" in result.stderr
    assert "'many'" in result.stderr


def test_missing_command_exits_2(tmp_path: Path) -> None:
    result = run_cli(cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "missing command; run 'python -m app serve'" in result.stderr


def test_serve_help_lists_every_option(tmp_path: Path) -> None:
    result = run_cli("serve", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # argparse wraps the help text at the terminal width.
    text = " ".join(result.stdout.split())
    for option in ("--host", "--port", "--data-dir", "--workers", "--log-level"):
        assert option in text
    assert "(default: 127.0.0.1)" in text
    assert "(default: 8000)" in text


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Replace uvicorn.run with a recorder; restore the logging set-up afterwards."""
    calls: list[dict[str, Any]] = []

    def record(app: str, **options: Any) -> None:
        calls.append({"app": app, **options})

    monkeypatch.setattr(cli.uvicorn, "run", record)
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.delenv("BACKPROP_VIZ_DB", raising=False)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield calls
    root.handlers[:] = handlers
    root.setLevel(level)


def test_serve_passes_options_to_uvicorn(
    uvicorn_calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    data_dir = tmp_path / "new" / "data"
    argv = ["serve", "--host", "0.0.0.0", "--port", "8123", "--workers", "3"]
    status = cli.main([*argv, "--data-dir", str(data_dir), "--log-level", "debug"])
    assert status == 0
    assert len(uvicorn_calls) == 1
    call = uvicorn_calls[0]
    assert call["app"] == "app.api.main:create_app"
    assert call["factory"] is True
    assert call["host"] == "0.0.0.0"
    assert call["port"] == 8123
    assert call["workers"] == 3
    assert call["log_level"] == "debug"
    assert data_dir.is_dir()
    assert cli.os.environ[DATA_DIR_ENV] == str(data_dir)


def test_relative_data_dir_becomes_absolute(
    uvicorn_calls: list[dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["serve", "--data-dir", "relative/data"]) == 0
    assert cli.os.environ[DATA_DIR_ENV] == str(tmp_path.resolve() / "relative/data")
    assert (tmp_path / "relative" / "data").is_dir()


def test_data_dir_defaults_to_variable(
    uvicorn_calls: list[dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from-env"))
    assert cli.main(["serve"]) == 0
    assert (tmp_path / "from-env").is_dir()
    assert uvicorn_calls[0]["host"] == "127.0.0.1"
    assert uvicorn_calls[0]["port"] == 8000
    assert uvicorn_calls[0]["workers"] == 1


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", 8000, "http://127.0.0.1:8000"),
        ("::1", 8080, "http://[::1]:8080"),
        ("example.test", 80, "http://example.test:80"),
    ],
)
def test_format_url(host: str, port: int, expected: str) -> None:
    assert cli.format_url(host, port) == expected
