"""The outbox gauges of ``/metrics``: how long the worker's oldest work has waited, and
how many deliveries are due. They span every tenant, so these tests have a database of
their own (SQLite), where nothing else waits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from orderdesk.app import create_app
from orderdesk.config import Settings, async_database_url
from orderdesk.db import make_engine, utcnow
from orderdesk.migrate import migrate
from orderdesk.webhooks.worker import Worker, WorkerOptions
from tests.api.builders import make_catalog, make_order, value
from tests.conftest import World, make_world
from tests.webhooks.receiver import receiving

LAG = "orderdesk_outbox_lag_seconds"
DUE = "orderdesk_webhook_deliveries_due"


@pytest.fixture
def allow_private() -> None:
    """Not the shared app's setting: these tests make their own app, which allows it."""


@pytest.fixture
async def own(tmp_path: Path) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, World]]:
    url = f"sqlite:///{tmp_path / 'outbox.db'}"
    engine = make_engine(async_database_url(url))
    await migrate(engine)
    await engine.dispose()
    app = create_app(Settings(database_url=url, webhook_allow_private=True))
    async with app.router.lifespan_context(app):
        world = await make_world(app.state.sessionmaker)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield app, client, world


async def test_nothing_waits_in_an_empty_outbox(own):
    _, client, _ = own
    assert (await value(client, LAG), await value(client, DUE)) == (0, 0)


async def test_the_lag_is_the_wait_of_the_oldest_event_or_delivery_until_it_is_sent(own):
    app, client, world = own
    worker = Worker(app.state.sessionmaker, WorkerOptions(allow_private=True), clock=utcnow)
    async with receiving() as receiver:
        made = await client.post(
            "/v1/webhooks", json={"url": receiver.url}, headers=world.auth("customer")
        )
        assert made.status_code == 201, made.text
        await make_order(client, world, await make_catalog(client, world))
        await asyncio.sleep(0.2)

        assert await value(client, LAG) >= 0.2
        fanned_out = utcnow()
        await worker.fan_out()  # now a delivery, due since it was made
        assert await value(client, DUE) == 1
        assert 0 < await value(client, LAG) <= (utcnow() - fanned_out).total_seconds()

        assert await worker.run_once() == 1
        assert (await value(client, LAG), await value(client, DUE)) == (0, 0)
