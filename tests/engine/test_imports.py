"""The engine depends on numpy only: it imports with FastAPI unavailable."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys

    # A None entry makes any import of these packages raise ImportError.
    for name in ("fastapi", "starlette", "uvicorn", "pydantic", "plotly"):
        sys.modules[name] = None

    import app.engine
    from app.engine import Network, NetworkConfig

    network = Network(NetworkConfig(sizes=(2, 2)))
    network.step([[0.0, 1.0]], [[1.0, 0.0]])
    loaded = [name for name in ("fastapi", "starlette", "plotly")
              if sys.modules.get(name) is not None]
    print("loaded:", loaded)
    """
)


def test_engine_imports_without_fastapi() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "loaded: []"


def test_engine_modules_load_no_web_packages() -> None:
    script = (
        "import sys, app.engine, app.engine.document, app.engine.gradcheck; "
        "print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in {'fastapi', 'starlette', 'plotly', 'jinja2'}))"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
