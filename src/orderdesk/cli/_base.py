"""What every command shares: the Typer apps, stderr logging, errors and the database."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import pydantic
import typer
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orderdesk import __version__
from orderdesk import migrate as schema
from orderdesk.config import Settings, get_settings
from orderdesk.db import make_engine, make_sessionmaker
from orderdesk.errors import (
    OrderdeskError,
)
from orderdesk.logs import StderrHandler

app = typer.Typer(
    help="orderdesk: order management for clinical and laboratory supply chains.",
    no_args_is_help=True,
    add_completion=False,
)
keys_app = typer.Typer(help="Create, list, rotate and revoke API keys of the default tenant.")
app.add_typer(keys_app, name="keys", no_args_is_help=True)
workflows_app = typer.Typer(help="List, show and import the default tenant's workflows.")
app.add_typer(workflows_app, name="workflows", no_args_is_help=True)

log = logging.getLogger("orderdesk")

#: Name of the keys ``demo --if-empty`` makes when the database already has data.
RERUN_KEY_NAME = "make run"

T = TypeVar("T")

#: Request fields as the options that set them, for error messages.
_OPTIONS = {"/account_id": "--account", "/name": "--name", "/role": "--role"}


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"orderdesk {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit"
        ),
    ] = False,
) -> None:
    # Only orderdesk's own logger: third-party loggers keep their defaults (stderr too).
    if not any(isinstance(h, StderrHandler) for h in log.handlers):
        handler = StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)


def fail(message: str, details: list[str] | None = None) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    for line in details or []:
        typer.echo(f"  {line}", err=True)
    return typer.Exit(1)


def run_command(work: Coroutine[Any, Any, T]) -> T:
    """Run one command's async work; known failures become a message and exit code 1."""
    try:
        return asyncio.run(work)
    except OrderdeskError as error:
        details = [
            f"{_OPTIONS.get(e.pointer or '', e.pointer or e.parameter)}: {e.detail}"
            for e in error.errors
        ]
        raise fail(error.detail or error.title, details) from None
    except (OSError, SQLAlchemyError) as error:
        # The kind of failure only: a driver's message can quote the values it refused.
        cause = error.orig if isinstance(error, DBAPIError) else error
        said = cause if isinstance(cause, OSError) else type(cause).__name__
        raise fail(
            f"database error: {said}",
            ["is the database reachable, and migrated (`orderdesk migrate`)?"],
        ) from None


def load_settings() -> Settings:
    try:
        return get_settings()
    except pydantic.ValidationError as error:
        details = [
            f"ORDERDESK_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors()
        ]
        raise fail("invalid configuration", details) from None


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """Columns padded to their widest cell, two spaces apart."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def shown_url(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


async def migrate_database(settings: Settings) -> None:
    url = settings.async_url
    if is_sqlite(url) and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        await schema.migrate(engine)
    finally:
        await engine.dispose()


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    if is_sqlite(settings.async_url):
        await migrate_database(settings)
    engine = make_engine(settings.async_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


def when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"
