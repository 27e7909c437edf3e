"""Lookup of the web app's static files and templates.

An installed wheel contains them as app/static and app/templates (see the
force-include table in pyproject.toml). A source checkout keeps them at the
top of the repository as static/ and templates/.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPOSITORY_DIR = PACKAGE_DIR.parent


def _find(name: str) -> Path:
    installed = PACKAGE_DIR / name
    if installed.is_dir():
        return installed
    return REPOSITORY_DIR / name


def static_dir() -> Path:
    """Return the folder served under /static."""
    return _find("static")


def templates_dir() -> Path:
    """Return the folder of the Jinja2 templates (index.html)."""
    return _find("templates")


def plotly_js_path() -> Path:
    """Return plotly.min.js of the installed plotly Python package."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
