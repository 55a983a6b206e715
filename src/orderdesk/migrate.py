"""Schema migrations, run from the package so they work wherever orderdesk is installed."""

from __future__ import annotations

from functools import cache

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from orderdesk.db import WRITE_OPTION


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "orderdesk:migrations")
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))


async def check(engine: AsyncEngine) -> None:
    """Raise if the models and the migrations disagree (``alembic check``)."""
    async with engine.connect() as connection:
        await connection.run_sync(lambda sync: command.check(alembic_config(sync)))


@cache
def _revisions() -> tuple[frozenset[str], frozenset[str]]:
    """This code's migration heads, and every revision it knows (read once a process)."""
    script = ScriptDirectory.from_config(alembic_config())
    known = frozenset(revision.revision for revision in script.walk_revisions())
    return frozenset(script.get_heads()), known


def known_revisions() -> frozenset[str]:
    """Every schema revision this code's migrations know."""
    return _revisions()[1]


async def database_revisions(engine: AsyncEngine) -> frozenset[str]:
    """The revisions the database's schema is at (none on a database never migrated)."""
    async with engine.connect() as connection:
        connection = await connection.execution_options(**{WRITE_OPTION: False})
        exists = await connection.run_sync(
            lambda sync: sync.dialect.has_table(sync, "alembic_version")
        )
        if not exists:
            return frozenset()
        rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
        return frozenset(rows.scalars())


def behind(revisions: frozenset[str]) -> bool:
    """Whether a schema at ``revisions`` lacks migrations this code has. A schema at a
    revision this code does not know is ahead of it (a newer release migrated it, and
    keeps what older code reads), so it is not behind."""
    heads, known = _revisions()
    if not revisions:
        return True
    return revisions != heads and revisions <= known
