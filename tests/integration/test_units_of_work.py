"""Read-only and write units of work side by side, on a real database."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orderdesk.config import async_database_url
from orderdesk.db import make_engine, make_sessionmaker, session_scope, write_soon
from orderdesk.migrate import migrate
from orderdesk.tenancy.models import Tenant

#: Well under SQLite's busy_timeout (5 s): a unit that waited for the other would miss it.
PROMPTLY = 2.0


@pytest.fixture
async def factory(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(async_database_url(database_url))
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture(scope="module")
async def sqlite_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """SQLite alone: the in-process write lock is SQLite's (PostgreSQL locks rows itself)."""
    path = Path(tmp_path_factory.mktemp("units")) / "units.db"
    engine = make_engine(async_database_url(f"sqlite:///{path}"))
    await migrate(engine)
    yield make_sessionmaker(engine)
    await engine.dispose()


def new_name() -> str:
    return f"units-{uuid.uuid4().hex[:12]}"


async def add_tenant(factory: async_sessionmaker[AsyncSession], name: str) -> None:
    async with session_scope(factory) as session:
        session.add(Tenant(name=name))


async def add_tenant_in(session: AsyncSession, name: str) -> None:
    session.add(Tenant(name=name))


async def tenant_names(factory: async_sessionmaker[AsyncSession]) -> set[str]:
    async with session_scope(factory, write=False) as session:
        return set(await session.scalars(select(Tenant.name)))


async def test_a_writer_commits_while_a_read_only_unit_is_open(factory):
    name = new_name()
    async with session_scope(factory, write=False) as reader:
        await reader.scalar(select(func.count()).select_from(Tenant))  # the read has begun
        await asyncio.wait_for(add_tenant(factory, name), PROMPTLY)
    assert name in await tenant_names(factory)


async def test_a_read_only_unit_answers_while_a_writer_is_open(factory):
    name = new_name()
    async with session_scope(factory) as writer:
        writer.add(Tenant(name=name))
        await writer.flush()  # the write has begun
        assert name not in await asyncio.wait_for(tenant_names(factory), PROMPTLY)
    assert name in await tenant_names(factory)


async def test_writers_in_one_process_wait_their_turn_holding_no_connection(sqlite_factory):
    engine = sqlite_factory.kw["bind"]
    prefix = new_name()
    in_use: list[int] = []

    async def next_in_line() -> None:
        # Read, let the other writer run, then write what was read: only right if serialised.
        async with session_scope(sqlite_factory) as session:
            taken = await session.scalar(
                select(func.count()).select_from(Tenant).where(Tenant.name.startswith(prefix))
            )
            await asyncio.sleep(0.2)
            in_use.append(engine.pool.checkedout())
            session.add(Tenant(name=f"{prefix}-{taken}"))

    await asyncio.gather(next_in_line(), next_in_line())
    assert {f"{prefix}-0", f"{prefix}-1"} <= await tenant_names(sqlite_factory)
    # The other writer queued in the process, not in SQLite's busy handler (which gives up).
    assert in_use == [1, 1]


async def test_a_write_from_a_read_only_unit_runs_after_it_in_a_write_unit(factory):
    name = new_name()
    async with session_scope(factory, write=False) as session:
        await write_soon(session, lambda writer: add_tenant_in(writer, name))
        assert name not in await tenant_names(factory)
    assert name in await tenant_names(factory)


async def test_a_failed_read_only_unit_drops_its_later_write(factory):
    name = new_name()
    with pytest.raises(LookupError):
        async with session_scope(factory, write=False) as session:
            await write_soon(session, lambda writer: add_tenant_in(writer, name))
            raise LookupError
    assert name not in await tenant_names(factory)


async def test_a_read_only_unit_cannot_write(factory):
    with pytest.raises(DBAPIError, match=r"read-only transaction|readonly database"):
        async with session_scope(factory, write=False) as session:
            session.add(Tenant(name=new_name()))
