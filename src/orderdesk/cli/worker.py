"""``worker``: deliver webhooks (and do the background housekeeping) until stopped."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
from typing import Annotated

import typer

# Every surface, so the payload formats they register (``webhooks.payloads``) are known.
import orderdesk.app  # noqa: F401
from orderdesk import logs, metrics, tracing
from orderdesk.cli._base import app, is_sqlite, load_settings, migrate_database, run_command
from orderdesk.config import Settings
from orderdesk.db import make_engine, make_sessionmaker
from orderdesk.webhooks.worker import Worker, WorkerOptions

log = logging.getLogger("orderdesk.webhooks")


def options_of(settings: Settings) -> WorkerOptions:
    return WorkerOptions(
        timeout=settings.webhook_timeout,
        poll_interval=settings.webhook_poll_interval,
        concurrency=settings.webhook_concurrency,
        allow_private=settings.webhook_allow_private,
    )


def _stop_at_end_of_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Set ``stop`` when stdin ends: the parent holding its other end has gone, even
    if it was killed outright."""

    def watch() -> None:
        while sys.stdin.buffer.read(4096):
            pass
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=watch, name="worker-lifeline", daemon=True).start()


async def run_worker(
    settings: Settings, stop: asyncio.Event | None = None, *, with_parent: bool = False
) -> None:
    """Deliver until ``stop`` is set, SIGTERM / SIGINT arrives, or (``with_parent``)
    stdin ends."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if with_parent:
        _stop_at_end_of_stdin(loop, stop)
    engine = make_engine(settings.async_url)
    try:
        log.info("webhook worker started")
        await Worker(make_sessionmaker(engine), options_of(settings)).run(stop)
        log.info("webhook worker stopped")
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        await engine.dispose()


@app.command()
def worker(
    with_parent: Annotated[
        bool,
        typer.Option(
            "--with-parent",
            hidden=True,
            help="Also stop when stdin ends (how `serve --with-worker` ties it to itself)",
        ),
    ] = False,
) -> None:
    """Deliver webhooks: fan new events out to subscriptions, send them signed, retry.
    Stops cleanly on SIGTERM or Ctrl-C. On SQLite the database file is migrated first."""
    settings = load_settings()
    logs.configure(settings.log_format, settings.log_level)
    if tracing.enabled():
        tracing.instrument_http_clients(tracing.provider())
    if settings.metrics:  # counted where the server's /metrics finds them, when it shares
        metrics.count_commits()  # PROMETHEUS_MULTIPROC_DIR (as with `serve --with-worker`)
    if is_sqlite(settings.async_url):
        run_command(migrate_database(settings))
    try:
        run_command(run_worker(settings, with_parent=with_parent))
    finally:
        if settings.metrics:
            metrics.forget_process()
    typer.echo("worker stopped", err=True)
