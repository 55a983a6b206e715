"""The migrations are the schema: they match the models and they run both ways."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from orderdesk.config import async_database_url
from orderdesk.db import make_engine
from orderdesk.migrate import alembic_config, check, migrate
from orderdesk.models import Base


async def test_the_migrated_schema_matches_the_models(database_url):
    engine = make_engine(async_database_url(database_url))
    try:
        await check(engine)  # alembic check: raises if models and migrations drift apart
    finally:
        await engine.dispose()


async def test_the_migrations_go_down_to_nothing_and_up_again(tmp_path: Path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'roundtrip.db'}")

    async def tables() -> set[str]:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))

    await migrate(engine)
    assert set(Base.metadata.tables) <= await tables()
    async with engine.begin() as connection:
        await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "base"))
    assert await tables() <= {"alembic_version"}
    await migrate(engine)
    assert set(Base.metadata.tables) <= await tables()
    await engine.dispose()


async def test_manufacturers_from_before_owners_stay_tenant_wide(tmp_path: Path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'owners.db'}")
    stamp = "'2026-11-30 12:00:00'"
    await migrate(engine, "0001")
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO tenants (id, name, created_at, updated_at)"
                f" VALUES (1, 't', {stamp}, {stamp})"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO manufacturers (id, tenant_id, name, version, created_at, updated_at)"
                f" VALUES (7, 1, 'Acme', 1, {stamp}, {stamp})"
            )
        )
    await migrate(engine)
    async with engine.connect() as connection:
        rows = (
            await connection.execute(text("SELECT id, name, account_id FROM manufacturers"))
        ).all()
    assert [tuple(row) for row in rows] == [(7, "Acme", None)]
    async with engine.begin() as connection:
        await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0001"))
    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT id, name FROM manufacturers"))).all()
        columns = await connection.run_sync(
            lambda c: {col["name"] for col in inspect(c).get_columns("manufacturers")}
        )
    assert [tuple(row) for row in rows] == [(7, "Acme")]
    assert "account_id" not in columns
    await engine.dispose()
