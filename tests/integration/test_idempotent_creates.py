"""Fifty concurrent creates carrying one ``Idempotency-Key`` make exactly one order, on
every surface that creates orders, fired at a real server (two processes on PostgreSQL).

Each answer is the order (201: the first, or its replay) or a 409 for a request that
arrived while the first was still running (PostgreSQL); never a second order.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from sqlalchemy import func, select

from orderdesk.db import session_scope
from orderdesk.demo import DemoData, load_demo
from orderdesk.orders.models import Order
from orderdesk.tenancy.service import ensure_tenant
from tests.integration.servers import running_server

CONCURRENT = 50
IMPILO = "/compat/impilo/api/v3"
RSO = "/compat/rso/api/v1"

Send = Callable[[httpx.AsyncClient, dict[str, str]], Awaitable[httpx.Response]]


@pytest.fixture(scope="module")
async def server(database_url: str) -> AsyncIterator[str]:
    """Two processes on PostgreSQL; one on SQLite, where ``serve`` allows no more."""
    workers = 1 if database_url.startswith("sqlite") else 2
    async with running_server(database_url, workers=workers) as base:
        yield base


@pytest.fixture(scope="module")
async def demo(app_and_sessions) -> tuple[int, DemoData]:
    """The demo data in a tenant of its own, shared by this module's tests: each counts
    the orders its creates add."""
    _, sessions = app_and_sessions
    async with session_scope(sessions) as session:
        tenant = await ensure_tenant(session, f"idem-{uuid.uuid4().hex[:12]}")
        return tenant.id, await load_demo(session, tenant.id, key_name="idem")


async def _orders_in(sessions, tenant_id: int) -> int:
    async with session_scope(sessions, write=False) as session:
        count = await session.scalar(
            select(func.count()).select_from(Order).where(Order.tenant_id == tenant_id)
        )
        return int(count or 0)


async def _fire(server: str, key: str, send: Send) -> list[httpx.Response]:
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": uuid.uuid4().hex}
    limits = httpx.Limits(max_connections=CONCURRENT)
    async with httpx.AsyncClient(base_url=server, timeout=60, limits=limits) as http:
        return list(await asyncio.gather(*(send(http, headers) for _ in range(CONCURRENT))))


async def _one_order_made(
    sessions, tenant_id: int, server: str, key: str, send: Send, id_of: Callable[[dict], object]
) -> None:
    before = await _orders_in(sessions, tenant_id)
    answers = await _fire(server, key, send)
    statuses = {a.status_code for a in answers}
    assert statuses <= {201, 409}, [a.text for a in answers if a.status_code not in (201, 409)]
    made = [a for a in answers if a.status_code == 201]
    assert len({str(id_of(a.json())) for a in made}) == 1
    assert len([a for a in made if a.headers.get("idempotent-replayed") != "true"]) == 1
    assert await _orders_in(sessions, tenant_id) == before + 1


async def test_fifty_native_creates_with_one_key_make_one_order(demo, sessions, server):
    tenant_id, data = demo
    body = {"lines": [{"item_id": data.item_ids[0], "count": 2}]}

    async def send(http: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
        return await http.post("/v1/orders", json=body, headers=headers)

    await _one_order_made(sessions, tenant_id, server, data.keys["customer"], send, _native_id)


async def test_fifty_impilo_creates_with_one_key_make_one_order(demo, sessions, server):
    tenant_id, data = demo
    body = {"patient": {"id": data.patient_ids[0]}, "orderKits": [{"kit": {"id": data.kit_ids[0]}}]}

    async def send(http: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
        impilo = {"Impilo-API-Key": data.keys["customer"], **_only_key(headers)}
        return await http.post(f"{IMPILO}/order", json=body, headers=impilo)

    await _one_order_made(sessions, tenant_id, server, data.keys["customer"], send, _native_id)


@pytest.mark.parametrize("method", ["POST", "PUT"])
async def test_fifty_rso_creates_with_one_key_make_one_order(demo, sessions, server, method):
    tenant_id, data = demo
    merchant = data.accounts["supplier"]
    record = data.workflow_product_ids["rso-record"][0]
    url = f"{RSO}/orders/merchants/{merchant}/records/{record}/"
    body = {
        "shipping_info": [
            {
                "shipping_address1": "14 Wharf St",
                "shipping_city": "Portland",
                "shipping_state": "ME",
                "shipping_zip": "04101",
            }
        ],
        "billing_info": [
            {
                "paypal_email": "desk@harbor-heart.example",
                "billing_address1": "14 Wharf St",
                "billing_city": "Portland",
                "billing_state": "ME",
                "billing_zip": "04101",
            }
        ],
    }

    async def send(http: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
        return await http.request(method, url, json=body, headers=headers)

    await _one_order_made(
        sessions, tenant_id, server, data.keys["customer"], send, lambda order: order["_id"]
    )


def _native_id(order: dict) -> object:
    return order["id"]


def _only_key(headers: dict[str, str]) -> dict[str, str]:
    return {"Idempotency-Key": headers["Idempotency-Key"]}
