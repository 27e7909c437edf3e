"""A built wheel, installed without the source tree, serves the whole app.

The wheel goes into a fresh virtual environment with `pip install --no-deps`.
Its dependencies come from this test's environment through a .pth file, so
the test needs no package index. The full install with dependencies from the
index is what test_dockerfile.py runs.
"""

import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import httpx
import plotly
import pytest
from packaging_support import (
    REPO_ROOT,
    StartServer,
    clean_environment,
    free_port,
)


def build_wheel(directory: Path) -> Path:
    """Build the project's wheel into directory with pip and return its path."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(directory), "."],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    wheels = list(directory.glob("backprop_viz-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def make_venv(directory: Path) -> Path:
    """Create a virtual environment that can import this environment's packages.

    --system-site-packages would reach only the base interpreter's packages,
    not those of a virtual environment running this test. A .pth file appends
    this environment's site-packages to the new one's sys.path instead. Python
    does not read .pth files in a folder that a .pth file adds, so an editable
    install of the project here stays invisible there.
    """
    subprocess.run([sys.executable, "-m", "venv", str(directory)], check=True)
    python = directory / "bin" / "python"
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    parent_paths = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (Path(site_packages) / "parent-environment.pth").write_text(
        "".join(f"{path}\n" for path in sorted(parent_paths))
    )
    return python


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheels"))


@pytest.mark.slow
def test_wheel_contains_static_templates_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = [
        "app/templates/index.html",
        "app/static/js/api.js",
        "app/datasets/data/iris.csv",
        "app/datasets/data/digits.csv.gz",
        "app/cli.py",
        "app/__main__.py",
    ]
    for name in expected:
        assert name in names
    assert not any(name.startswith("tests/") for name in names)
    entry_points = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert len(entry_points) == 1
    scripts = zipfile.ZipFile(wheel).read(entry_points[0]).decode()
    assert "backprop-viz = app.cli:main" in scripts


@pytest.mark.slow
def test_installed_wheel_serves_app(
    wheel: Path, tmp_path: Path, start_server: StartServer
) -> None:
    python = make_venv(tmp_path / "venv")
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr

    # Started from an unrelated folder, the app must find its files in the venv.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    imported = subprocess.run(
        [str(python), "-c", "import app; print(app.__file__)"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout.startswith(str(tmp_path / "venv")), imported.stdout

    data_dir = tmp_path / "data"
    port = free_port()
    command = [
        str(tmp_path / "venv" / "bin" / "backprop-viz"),
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    server = start_server(command, cwd=elsewhere, env=clean_environment(), port=port)

    page = httpx.get(f"{server.base_url}/", timeout=10)
    assert page.status_code == 200, page.text[:500]
    assert page.headers["content-type"].startswith("text/html")
    assert "<html" in page.text.lower()
    # The image must work without network access, so nothing loads from a CDN.
    external = re.findall(
        r"<(?:script|link)\b[^>]*(?:src|href)=[\"']((?:https?:)?//[^\"']+)",
        page.text,
        flags=re.IGNORECASE,
    )
    assert external == []

    script = httpx.get(f"{server.base_url}/static/js/api.js", timeout=10)
    assert script.status_code == 200
    assert script.content == (REPO_ROOT / "static" / "js" / "api.js").read_bytes()

    plotly_js = httpx.get(f"{server.base_url}/static/vendor/plotly.min.js", timeout=30)
    assert plotly_js.status_code == 200
    shipped = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert plotly_js.content == shipped.read_bytes()

    datasets = httpx.get(f"{server.base_url}/api/datasets", timeout=10)
    assert datasets.status_code == 200, datasets.text
    names = [dataset["name"] for dataset in datasets.json()["datasets"]]
    assert "iris" in names
    assert "digits" in names

    examples = httpx.get(
        f"{server.base_url}/api/datasets/iris/examples",
        params={"split": "train", "offset": 0, "limit": 2},
        timeout=10,
    )
    assert examples.status_code == 200, examples.text
    assert examples.json()["total"] > 0

    created = httpx.post(
        f"{server.base_url}/api/networks", json={"dataset": "iris"}, timeout=30
    )
    assert created.status_code == 201, created.text
    assert any(data_dir.iterdir()), "no database file in --data-dir"

    assert server.stop() == 0, server.log()
    log = server.log()
    assert f"http://127.0.0.1:{port}" in log
    assert str(data_dir) in log
    assert "backprop-viz stopped" in log


@pytest.mark.slow
def test_two_workers_serve_requests(tmp_path: Path, start_server: StartServer) -> None:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "app",
        "serve",
        "--port",
        str(port),
        "--workers",
        "2",
        "--data-dir",
        str(tmp_path / "data"),
    ]
    env = clean_environment()
    server = start_server(command, cwd=REPO_ROOT, env=env, port=port)
    for _ in range(20):
        response = httpx.get(f"{server.base_url}/healthz", timeout=10)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
    assert server.stop() == 0, server.log()
    assert server.log().count("Started server process") == 2, server.log()
