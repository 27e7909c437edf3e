"""Command line of backprop-viz: `backprop-viz serve` starts the web app.

The same parser runs for `python -m app`. The server is uvicorn, started on the
ASGI app factory `app.api.main:create_app`, which reads its settings from the
environment. So the only way this module passes settings to the app is by
setting environment variables before uvicorn starts (worker processes inherit
them).
"""

import argparse
import logging
import logging.config
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.config import LOG_LEVELS

from app.settings import DATA_DIR_ENV, DB_PATH_ENV, DEFAULT_DATA_DIR, Settings

logger = logging.getLogger(__name__)

APP_FACTORY = "app.api.main:create_app"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Seconds uvicorn waits on shutdown for open requests, such as a browser's
# stream of training events, before it closes them and stops.
GRACEFUL_SHUTDOWN_SECONDS = 5


def port_number(text: str) -> int:
    """Parse a TCP port for argparse, rejecting values outside 1-65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an integer from 1 to 65535, got {text!r}"
        ) from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"must be an integer from 1 to 65535, got {port}"
        )
    return port


def worker_count(text: str) -> int:
    """Parse a number of worker processes for argparse, rejecting values below 1."""
    try:
        workers = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an integer of at least 1, got {text!r}"
        ) from None
    if workers < 1:
        raise argparse.ArgumentTypeError(
            f"must be an integer of at least 1, got {workers}"
        )
    return workers


def host_name(text: str) -> str:
    """Parse a host for argparse, rejecting an empty value or one with spaces."""
    host = text.strip()
    if not host or any(character.isspace() for character in host):
        raise argparse.ArgumentTypeError(
            f"must be an IP address or host name, got {text!r}"
        )
    return host


def build_parser(prog: str = "backprop-viz") -> argparse.ArgumentParser:
    """Build the argument parser with its `serve` subcommand."""
    parser = argparse.ArgumentParser(
        prog=prog,
        epilog=f"Run '{prog} serve --help' for the options of the server.",
        description=(
            "Step through backpropagation in a browser: a web app that shows "
            "every number of the forward pass, the backward pass and each "
            "gradient descent step."
        ),
    )
    # Not required=True, so that main can name the command a user most likely wants.
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="start the web server",
        description=(
            "Start the backprop-viz web server and log the address it listens on "
            "and the database file it uses."
        ),
    )
    serve.add_argument(
        "--host",
        type=host_name,
        default="127.0.0.1",
        help=(
            "IP address or host name to listen on; use 0.0.0.0 to accept "
            "connections from other machines (default: %(default)s)"
        ),
    )
    serve.add_argument(
        "--port",
        type=port_number,
        default=8000,
        help="TCP port to listen on (default: %(default)s)",
    )
    serve.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help=(
            f"directory of the SQLite database, created if missing and passed "
            f"to the app as {DATA_DIR_ENV} (default: ${DATA_DIR_ENV} if set, "
            f"else {DEFAULT_DATA_DIR}); ${DB_PATH_ENV}, if set, names the "
            f"database file instead"
        ),
    )
    serve.add_argument(
        "--workers",
        type=worker_count,
        default=1,
        metavar="N",
        help=(
            "number of uvicorn worker processes; they share the database in "
            "the data directory (default: %(default)s)"
        ),
    )
    serve.add_argument(
        "--log-level",
        choices=list(LOG_LEVELS),
        default="info",
        metavar="LEVEL",
        help=(
            "minimum level of the messages logged to stderr, one of "
            "%(choices)s (default: %(default)s)"
        ),
    )
    return parser


def resolve_data_dir(data_dir: Path | None) -> Path:
    """Return the absolute data directory: the option, else the variable, else default.

    The path is resolved now so that a relative --data-dir does not depend on the
    working directory of the worker processes.
    """
    if data_dir is None:
        data_dir = Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)
    return data_dir.expanduser().resolve()


def prepare_data_dir(data_dir: Path) -> str | None:
    """Create the data directory if missing; return an error message if unusable."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create directory {data_dir}: {exc.strerror}"
    if not os.access(data_dir, os.W_OK | os.X_OK):
        return f"directory {data_dir} is not writable by this user"
    return None


def build_log_config(level: str) -> dict[str, Any]:
    """Build a logging.config.dictConfig dictionary that sends every logger to stderr.

    uvicorn applies this dictionary again in each worker process, which a
    logging.basicConfig call in this process would not reach.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": LOG_FORMAT}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": LOG_LEVELS[level]},
    }


def format_url(host: str, port: int) -> str:
    """Return the http URL of host:port, with an IPv6 address in brackets."""
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def serve(args: argparse.Namespace, settings: Settings) -> None:
    """Run uvicorn on the app factory until it stops, logging where it listens."""
    logging.config.dictConfig(build_log_config(args.log_level))
    logger.info(
        "Starting backprop-viz at %s with %d worker process(es)",
        format_url(args.host, args.port),
        args.workers,
    )
    logger.info("Storing data in %s", settings.db_path)
    if args.host in ("0.0.0.0", "::"):
        logger.info(
            "Listening on all interfaces; on this machine open %s",
            format_url("127.0.0.1", args.port),
        )

    # uvicorn exits the process with status 1 itself when it cannot bind the port.
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        log_config=build_log_config(args.log_level),
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    logger.info("backprop-viz stopped")


def main(argv: Sequence[str] | None = None, prog: str = "backprop-viz") -> int:
    """Run the command line with argv (default: sys.argv[1:]) and return the exit code.

    argparse exits with status 2 on invalid arguments, and so does an unusable
    --data-dir or an invalid BACKPROP_VIZ_* environment variable.
    """
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.error(f"missing command; run '{prog} serve' to start the web server")

    data_dir = resolve_data_dir(args.data_dir)
    problem = prepare_data_dir(data_dir)
    if problem is not None:
        parser.exit(2, f"{prog} serve: error: --data-dir: {problem}\n")

    # The app and every uvicorn worker read the data directory from here.
    os.environ[DATA_DIR_ENV] = str(data_dir)
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        parser.exit(2, f"{prog} serve: error: {exc}\n")

    serve(args, settings)
    return 0
