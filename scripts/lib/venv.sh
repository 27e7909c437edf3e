# shellcheck shell=bash
# Shell functions shared by scripts/test and scripts/serve; source it, do not run it.
# The caller sets `set -euo pipefail` and changes to the repository root first.

# Interpreter that creates the virtual environment; override with PYTHON=...
PYTHON=${PYTHON:-python3}
VENV_DIR=.venv
VENV_PYTHON=$VENV_DIR/bin/python

log() {
    printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2
}

die() {
    log "error: $*"
    exit 1
}

# Run a command as root: directly when root, else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo "$@"
    fi
}

# Install Debian packages with apt-get, or explain how to when that fails.
apt_install() {
    if ! command -v apt-get >/dev/null 2>&1; then
        die "apt-get not found; install the Debian packages $* (or their equivalent) and run $SCRIPT_NAME again"
    fi
    if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
        die "the Debian packages $* are missing, and installing them needs root; run 'apt-get install $*' as root, then run $SCRIPT_NAME again"
    fi
    log "installing the Debian packages $* with apt-get"
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q \
        || ! as_root env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends "$@"; then
        die "apt-get failed to install $*; run 'sudo apt-get install $*' as a user with root rights, then run $SCRIPT_NAME again"
    fi
}

# Check that $PYTHON exists and is Python 3.11 or newer.
check_python() {
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        die "$PYTHON not found; install Python 3.11 or newer, or set PYTHON to its path"
    fi
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        die "$PYTHON is Python $("$PYTHON" -c 'import platform; print(platform.python_version())'); backprop-viz needs 3.11 or newer (set PYTHON to another interpreter)"
    fi
}

# Create .venv with pip unless it already works. Debian ships venv's pip
# bootstrap (ensurepip) in the separate package python3-venv.
ensure_venv() {
    if [ -x "$VENV_PYTHON" ] && "$VENV_PYTHON" -m pip --version >/dev/null 2>&1; then
        return 0
    fi
    check_python
    if ! "$PYTHON" -c 'import ensurepip' >/dev/null 2>&1; then
        apt_install python3-venv
    fi
    log "creating the virtual environment $VENV_DIR with $PYTHON"
    "$PYTHON" -m venv --clear "$VENV_DIR"
}

# Print the stamp of an install: a hash of pyproject.toml and the extras.
install_stamp() {
    printf '%s %s\n' "$(sha256sum pyproject.toml | cut -d ' ' -f 1)" "$1"
}

# Succeed if .venv has an editable install of this checkout, made by
# install_editable with these extras from the current pyproject.toml.
has_editable_install() {
    local stamp_file=$VENV_DIR/.backprop-viz-install
    [ -f "$stamp_file" ] || return 1
    [ "$(cat "$stamp_file")" = "$(install_stamp "$1")" ] || return 1
    # A later `pip install .` replaces the editable install with a copy. The
    # -P option keeps the current directory, this checkout, off sys.path.
    "$VENV_PYTHON" -P -c '
import pathlib, sys
import app
sys.exit(pathlib.Path(app.__file__).resolve().parent != pathlib.Path(sys.argv[1]))
' "$(pwd -P)/app" >/dev/null 2>&1
}

# Install this checkout in editable mode with the given extras ("" for none).
install_editable() {
    local extras=$1 target=.
    if [ -n "$extras" ]; then
        target=".[$extras]"
    fi
    log "installing backprop-viz in editable mode: pip install -e '$target'"
    rm -f "$VENV_DIR/.backprop-viz-install"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV_PYTHON" -m pip install -q -e "$target"
    install_stamp "$extras" >"$VENV_DIR/.backprop-viz-install"
}
