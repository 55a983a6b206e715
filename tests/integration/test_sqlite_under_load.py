"""A burst of big lists racing creates, at a real ``orderdesk serve`` on one SQLite file."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest

from orderdesk.config import async_database_url
from orderdesk.db import make_engine, make_sessionmaker, session_scope
from orderdesk.demo import DemoData, acting_for, load_demo
from orderdesk.migrate import migrate
from orderdesk.orders.schemas import OrderCreate, OrderLineIn
from orderdesk.orders.service import create_order
from orderdesk.tenancy.models import Account
from orderdesk.tenancy.service import ensure_tenant
from tests.integration.servers import free_port, serving

ORDERS = 500
BURST = 20
ADMIN_KEY = "od_burst_admin_secret_0123456789abcdef"

pytestmark = pytest.mark.slow


async def _load(url: str) -> DemoData:
    """The demo, topped up with plain orders to ORDERS, all made through the services."""
    engine = make_engine(async_database_url(url))
    factory = make_sessionmaker(engine)
    try:
        await migrate(engine)
        async with session_scope(factory) as session:
            tenant = await ensure_tenant(session, "default")
            demo = await load_demo(session, tenant.id)
        body = OrderCreate(
            patient_id=demo.patient_ids[0], lines=[OrderLineIn(item_id=demo.item_ids[0])]
        )
        missing = ORDERS - len(demo.order_ids)
        for start in range(0, missing, 50):  # small units load faster than one big one
            async with session_scope(factory) as session:
                account = await session.get_one(Account, (tenant.id, demo.accounts["customer"]))
                for _ in range(min(50, missing - start)):
                    await create_order(session, body, principal=acting_for(tenant.id, account))
    finally:
        await engine.dispose()
    return demo


class Served(NamedTuple):
    base: str
    demo: DemoData
    log: Path


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    """``orderdesk serve`` (one process) on an SQLite file holding ORDERS orders."""
    url = f"sqlite:///{tmp_path / 'burst.db'}"
    demo = await _load(url)
    port = free_port()
    log = tmp_path / "serve.log"
    args = ["-m", "orderdesk.cli", "serve", "--port", str(port)]
    env = {"ORDERDESK_ADMIN_KEY": ADMIN_KEY}
    async with serving(args, port=port, database_url=url, log=log, env=env) as base:
        yield Served(base, demo, log)


async def test_big_lists_racing_creates_all_succeed(served):
    """With every transaction a BEGIN IMMEDIATE, about a third answered "database is locked"."""
    base, demo, log = served
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    customer = {"Authorization": f"Bearer {demo.keys['customer']}"}
    body = {"patient_id": demo.patient_ids[0], "lines": [{"item_id": demo.item_ids[0]}]}
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:

        async def list_orders() -> httpx.Response:
            return await http.get(f"/v1/orders?limit={ORDERS}", headers=admin)

        async def place_order() -> httpx.Response:
            return await http.post("/v1/orders", json=body, headers=customer)

        burst = [call() for _ in range(BURST) for call in (list_orders, place_order)]
        answers = await asyncio.gather(*burst)
        failed = [f"{r.request.method} {r.status_code}" for r in answers if r.is_error]
        locked = log.read_text().count("(sqlite3.OperationalError) database is locked")
        assert failed == [], f"{len(failed)} of {len(answers)} failed {failed}; {locked} locked"
        lists = [r for r in answers if r.request.method == "GET"]
        assert all(len(r.json()["items"]) == ORDERS for r in lists)
        created = [r.json()["id"] for r in answers if r.request.method == "POST"]
        assert len(set(created)) == BURST
        for order_id in created:
            assert (await http.get(f"/v1/orders/{order_id}", headers=admin)).status_code == 200
