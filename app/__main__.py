"""Run the command line with `python -m app` (same as the backprop-viz script)."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m app"))
