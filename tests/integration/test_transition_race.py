"""Two transitions racing from the same state, fired at a real multi-process server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.builders import make_catalog, make_order
from tests.integration.servers import free_port, serving

RACES = 5


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[str]:
    """``uvicorn`` with two worker processes on the test database."""
    port = free_port()
    args = ["-m", "uvicorn", "orderdesk.api.app:create_app", "--factory", "--host", "127.0.0.1"]
    args += ["--port", str(port), "--workers", "2", "--log-level", "warning"]
    async with serving(args, port=port, database_url=database_url) as base:
        yield base


async def test_of_two_racing_transitions_exactly_one_wins(client, world, server):
    catalog = await make_catalog(client, world)
    orders = [await make_order(client, world, catalog) for _ in range(RACES)]
    auth = world.auth("supplier")
    async with httpx.AsyncClient(base_url=server, headers=auth, timeout=30) as http:
        for order in orders:
            url = f"/v1/orders/{order['id']}/transitions"
            first, second = await asyncio.gather(
                http.post(url, json={"to": "processing"}),
                http.post(url, json={"to": "processing"}),
            )
            assert sorted([first.status_code, second.status_code]) == [200, 409], (
                first.text,
                second.text,
            )
            loser = first if first.status_code == 409 else second
            assert "processing" not in loser.json().get("allowed", [])
            timeline = (await http.get(f"/v1/orders/{order['id']}/timeline")).json()["items"]
            assert [e["kind"] for e in timeline].count("status_moved") == 1
