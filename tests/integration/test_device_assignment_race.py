"""Two orders racing for the same device, fired at a real server: exactly one wins."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.builders import created, make_catalog, make_order
from tests.integration.servers import running_server

RACES = 5


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[str]:
    """``uvicorn`` on the test database: two processes on PostgreSQL, one on SQLite."""
    workers = 1 if database_url.startswith("sqlite") else 2
    async with running_server(database_url, workers=workers) as base:
        yield base


async def test_of_two_orders_assigning_one_device_at_once_exactly_one_wins(client, world, server):
    catalog = await make_catalog(client, world)
    auth = world.auth("supplier")
    async with httpx.AsyncClient(base_url=server, headers=auth, timeout=30) as http:
        for _ in range(RACES):
            orders = [await make_order(client, world, catalog) for _ in range(2)]
            unit = await created(
                await client.post(
                    "/v1/devices", json={"item_id": catalog.item_ids[0]}, headers=auth
                )
            )
            body = {"device_ids": [unit["id"]]}
            answers = await asyncio.gather(
                *(http.post(f"/v1/orders/{o['id']}/devices", json=body) for o in orders)
            )
            assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
            (loser,) = [a for a in answers if a.status_code == 409]
            # Refused by the locked check, naming the device (not a lost update of its row).
            assert [e["pointer"] for e in loser.json()["errors"]] == ["/device_ids/0"]
            holders = [
                o["id"]
                for o in orders
                if (await http.get(f"/v1/orders/{o['id']}")).json()["devices"]
            ]
            assert len(holders) == 1
