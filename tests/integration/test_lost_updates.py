"""No lost update across processes: racing edits fired at two server processes on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.builders import make_catalog, make_order, read_order
from tests.integration.servers import running_server

pytestmark = pytest.mark.postgres

RACES = 5
TAGS = 20


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[str]:
    """``uvicorn`` with two processes on the test database (PostgreSQL only: several
    processes on one SQLite file are not supported)."""
    if database_url.startswith("sqlite"):
        pytest.skip("two server processes need PostgreSQL")
    async with running_server(database_url, workers=2) as base:
        yield base


async def test_of_two_edits_from_the_same_version_one_wins_and_one_is_a_412(client, world, server):
    catalog = await make_catalog(client, world)
    orders = [await make_order(client, world, catalog) for _ in range(RACES)]
    async with httpx.AsyncClient(
        base_url=server, headers=world.auth("customer"), timeout=30
    ) as http:
        for order in orders:
            url = f"/v1/orders/{order['id']}"
            tag = (await http.get(url)).headers["ETag"]
            first, second = await asyncio.gather(
                http.patch(url, json={"memo": "first"}, headers={"If-Match": tag}),
                http.patch(url, json={"memo": "second"}, headers={"If-Match": tag}),
            )
            statuses = sorted([first.status_code, second.status_code])
            assert statuses == [200, 412], (first.text, second.text)
            winner, loser = (first, second) if first.status_code == 200 else (second, first)
            stored = await read_order(client, world, order["id"])
            assert stored["version"] == order["version"] + 1
            assert loser.json()["version"] == stored["version"]
            assert stored["memo"] == winner.json()["memo"]


async def test_concurrent_tag_adds_keep_every_tag(client, world, server):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    url = f"/v1/orders/{order['id']}/tags"
    wanted = [f"tag-{n}" for n in range(TAGS)]
    async with httpx.AsyncClient(
        base_url=server, headers=world.auth("customer"), timeout=60
    ) as http:
        answers = await asyncio.gather(*(http.post(url, json={"tags": [t]}) for t in wanted))
    assert [a.status_code for a in answers] == [200] * TAGS, [a.text for a in answers]
    stored = await read_order(client, world, order["id"])
    assert sorted(stored["tags"]) == sorted(wanted)
    assert stored["version"] == order["version"] + TAGS
