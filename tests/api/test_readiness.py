"""``/readyz``: ready only while the database answers and its schema has every migration
this code needs; ``/healthz`` says the process lives, whatever the database does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from orderdesk.app import create_app
from orderdesk.config import Settings, async_database_url
from orderdesk.db import make_engine
from orderdesk.migrate import migrate
from tests.conftest import _create_pg_database, _drop_pg_database


@asynccontextmanager
async def serving(url: str) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(Settings(database_url=url, rate_limit="off"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


async def migrated(url: str, revision: str = "head") -> None:
    engine = make_engine(async_database_url(url))
    try:
        await migrate(engine, revision)
    finally:
        await engine.dispose()


@pytest.fixture
def sqlite_file(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'ready.db'}"


async def test_ready_when_the_schema_is_at_the_codes_head(sqlite_file):
    await migrated(sqlite_file)
    async with serving(sqlite_file) as http:
        response = await http.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_not_ready_while_the_schema_is_behind_until_it_is_migrated(sqlite_file):
    await migrated(sqlite_file, "0010")  # one migration short of this code's
    async with serving(sqlite_file) as http:
        behind = await http.get("/readyz")
        alive = await http.get("/healthz")
        await migrated(sqlite_file)
        caught_up = await http.get("/readyz")
    assert behind.status_code == 503
    assert "orderdesk migrate" in behind.json()["detail"]
    assert alive.status_code == 200
    assert caught_up.status_code == 200


@pytest.mark.postgres
async def test_not_ready_while_the_database_is_unreachable():
    url = await _create_pg_database()
    try:
        await migrated(url)
        async with serving(url) as http:
            before = await http.get("/readyz")
            await _drop_pg_database(url)  # its connections are cut, and it is gone
            after = await http.get("/readyz")
            alive = await http.get("/healthz")
    finally:
        await _drop_pg_database(url)
    assert before.status_code == 200
    assert after.status_code == 503
    assert after.json()["status"] == "unavailable"
    assert alive.status_code == 200
