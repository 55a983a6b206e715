"""``serve`` (optionally with the webhook worker beside it) and ``migrate``."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from typing import Annotated, get_args

import typer
import uvicorn

from orderdesk import logs, metrics
from orderdesk.cli._base import (
    app,
    fail,
    is_sqlite,
    load_settings,
    migrate_database,
    run_command,
    shown_url,
)
from orderdesk.config import LogLevel, Settings

#: Seconds the worker beside the server has to stop before it is killed.
WORKER_STOP_TIMEOUT = 30


LOG_LEVELS = get_args(LogLevel)


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
        bool | None,
        typer.Option(
            "--access-log/--no-access-log",
            help="Log a line per request (default: ORDERDESK_ACCESS_LOG, else on)",
            show_default=False,
        ),
    ] = None,
    log_level: Annotated[
        str | None,
        typer.Option(
            help=f"The least severe line logged: {', '.join(LOG_LEVELS)} "
            "(default: ORDERDESK_LOG_LEVEL, else info)",
            show_default=False,
        ),
    ] = None,
    proxy_headers: Annotated[
        bool,
        typer.Option(
            "--proxy-headers/--no-proxy-headers",
            help="Take the client's address and scheme from X-Forwarded-For and "
            "X-Forwarded-Proto, when the peer is one of --forwarded-allow-ips",
        ),
    ] = False,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            help="Comma-separated addresses or networks of the proxies whose forwarded "
            "headers are trusted ('*' for any)"
        ),
    ] = "127.0.0.1",
    root_path: Annotated[
        str,
        typer.Option(help="The path prefix a proxy serves the app under (e.g. /orderdesk)"),
    ] = "",
) -> None:
    """Serve the HTTP API. On SQLite the database file is migrated first.

    SIGTERM (or Ctrl-C) stops it gracefully: it takes no new connections, lets the
    requests in flight finish (for up to ORDERDESK_SHUTDOWN_TIMEOUT seconds), then
    stops the webhook worker, which finishes its deliveries in flight."""
    if log_level is not None and log_level not in LOG_LEVELS:
        raise fail(f"--log-level {log_level!r} is not a level", [f"use one of {LOG_LEVELS}"])
    # The worker processes read their settings from the environment: pass the options on.
    if log_level is not None:
        os.environ["ORDERDESK_LOG_LEVEL"] = log_level
    if access_log is not None:
        os.environ["ORDERDESK_ACCESS_LOG"] = str(access_log).lower()
    settings = load_settings()
    logs.configure(settings.log_format, settings.log_level)
    if is_sqlite(settings.async_url):
        if workers > 1:  # writers queue on a lock inside one process; processes would collide
            raise fail(
                f"--workers {workers} needs PostgreSQL: several processes cannot share "
                "one SQLite file",
                ["serve with --workers 1, or set ORDERDESK_DATABASE_URL=postgresql://..."],
            )
        run_command(migrate_database(settings))
    with _metrics_folder(settings):
        beside = _start_worker() if with_worker else None
        try:
            uvicorn.run(
                "orderdesk.app:create_served_app",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                # orderdesk logs its own line per request (logs.log_request), and configures
                # logging in each worker process as it builds the app.
                access_log=False,
                log_config=None,
                log_level=settings.log_level,
                proxy_headers=proxy_headers,
                forwarded_allow_ips=forwarded_allow_ips,
                root_path=root_path,
                timeout_graceful_shutdown=settings.shutdown_timeout,
            )
        finally:
            if beside is not None:
                _stop_worker(beside)


@contextlib.contextmanager
def _metrics_folder(settings: Settings) -> Iterator[None]:
    """The folder every process serving (and the worker beside them) counts its metrics
    into, so that a scrape of any adds them all up: PROMETHEUS_MULTIPROC_DIR when set
    (the operator empties it between runs), else a new one, removed at the end. Set
    before any process counts, so before the first import of ``prometheus_client``."""
    if not settings.metrics or os.environ.get(metrics.MULTIPROC_DIR):
        yield
        return
    folder = tempfile.mkdtemp(prefix="orderdesk-metrics-")
    os.environ[metrics.MULTIPROC_DIR] = folder
    try:
        yield
    finally:
        os.environ.pop(metrics.MULTIPROC_DIR, None)
        shutil.rmtree(folder, ignore_errors=True)


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
