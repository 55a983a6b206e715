"""``serve`` (optionally with the webhook worker beside it) and ``migrate``."""

from __future__ import annotations

import copy
import signal
import subprocess
import sys
from typing import Annotated, Any

import typer
import uvicorn
import uvicorn.config

from orderdesk.cli._base import (
    app,
    fail,
    is_sqlite,
    load_settings,
    migrate_database,
    run_command,
    shown_url,
)

#: Seconds the worker beside the server has to stop before it is killed.
WORKER_STOP_TIMEOUT = 30


def _uvicorn_logging() -> dict[str, Any]:
    """Uvicorn's logging, with the access log on stderr too and orderdesk's own logger."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["handlers"]["access"]["stream"] = "ext://sys.stderr"
    config["loggers"]["orderdesk"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
    with_worker: Annotated[
        bool,
        typer.Option(
            "--with-worker", help="Also run the webhook worker, started and stopped with the server"
        ),
    ] = False,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log a line per request")
    ] = True,
) -> None:
    """Serve the HTTP API. On SQLite the database file is migrated first."""
    settings = load_settings()
    if is_sqlite(settings.async_url):
        if workers > 1:  # writers queue on a lock inside one process; processes would collide
            raise fail(
                f"--workers {workers} needs PostgreSQL: several processes cannot share "
                "one SQLite file",
                ["serve with --workers 1, or set ORDERDESK_DATABASE_URL=postgresql://..."],
            )
        run_command(migrate_database(settings))
    beside = _start_worker() if with_worker else None
    try:
        uvicorn.run(
            "orderdesk.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=access_log,
            log_config=_uvicorn_logging(),
        )
    finally:
        if beside is not None:
            _stop_worker(beside)


def _start_worker() -> subprocess.Popen[bytes]:
    """``orderdesk worker`` as a child process, with this process's settings. It stops
    when its stdin (a pipe only this process holds) ends, so however the server ends,
    even killed outright or by the signal uvicorn raises again once it has shut down,
    the worker ends with it."""
    return subprocess.Popen(
        [sys.executable, "-m", "orderdesk.cli", "worker", "--with-parent"],
        stdin=subprocess.PIPE,
    )


def _stop_worker(child: subprocess.Popen[bytes]) -> None:
    """Ask the worker to stop (it finishes the attempts in flight), then make it."""
    if child.stdin is not None:
        child.stdin.close()
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
    try:
        child.wait(timeout=WORKER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


@app.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date (a deploy step on PostgreSQL)."""
    settings = load_settings()
    run_command(migrate_database(settings))
    typer.echo(f"{shown_url(settings.async_url)}: schema is up to date")
