"""OWASP API3 for PHI: a key without ``phi:read`` never receives a PHI value, on any route.

The demo is loaded into a tenant of its own; the PHI values are read from the database
(its patients' names, birth dates, emails, phones, identifiers and address lines; the
case data and patient shipping addresses of its orders); then every GET route of every
surface is walked with the demo's ``customer_no_phi`` and ``supplier_no_phi`` keys, each
id route once per demo object it can name, the native ones in JSON and in XML, and no
answer may hold any of those values. The same walk with the ``customer`` key finds them,
so the check can fail.

Which values count: at least 5 characters (shorter ones match by chance), and none that
data without PHI by nature also holds: the answers of the catalog, order schemas,
workflows, accounts and sites (an order schema lists the allowed values of a case
field, a site may share a patient's phone), and the orders' own ``data`` and their
lines' (a dental line's ``arch`` is a treatment's ``arch`` too). What is left is only
ever PHI.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orderdesk.db import session_scope
from orderdesk.demo import DemoData, load_demo
from orderdesk.devices.models import Device
from orderdesk.orders.models import Order, OrderLine
from orderdesk.parties.models import Patient
from orderdesk.tenancy.models import Account
from orderdesk.tenancy.service import ensure_tenant
from tests.security.conftest import Route

#: Routes the walk does not take, and why (each must still exist).
SKIPPED = {
    "/compat/rso/api/v1/{path:path}": "the vendor's catch-all: answers any other path 404",
    "/docs/oauth2-redirect": "a static page of the interactive docs",
    "/v1/audit-events/{audit_event_id}": "admin only (audit:read): no key here may read it",
    "/v1/audit-events/{audit_event_id}/fhir": "admin only (audit:read), as above",
    "/v1/credentials/{credential_id}": "admin only: no key here may read it",
}
#: Answers without PHI by nature: what they hold is not PHI wherever else it appears.
PUBLIC = (
    "/v1/items",
    "/v1/kits",
    "/v1/products",
    "/v1/manufacturers",
    "/v1/order-schemas",
    "/v1/workflows",
    "/v1/accounts",
    "/v1/sites",
    "/compat/labportal/api-v1/commerce/orderschema",
)
WALKERS = ("customer_no_phi", "supplier_no_phi")
MIN_LENGTH = 5


@dataclass
class Demo:
    data: DemoData
    ids: dict[str, list[int]]  # path parameter -> the demo objects it may name
    phi: set[str]


def _leaves(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, str):
        yield value


async def _phi_and_ids(session: AsyncSession, tenant_id: int) -> tuple[set[str], dict]:
    patients = (await session.scalars(select(Patient).where(Patient.tenant_id == tenant_id))).all()
    orders = (await session.scalars(select(Order).where(Order.tenant_id == tenant_id))).all()
    devices = (await session.scalars(select(Device.id).where(Device.tenant_id == tenant_id))).all()
    accounts = (await session.scalars(select(Account).where(Account.tenant_id == tenant_id))).all()
    values: set[str] = set()
    for p in patients:
        values |= {p.first_name, p.last_name, p.email or "", p.phone_number or ""}
        values |= {p.external_identifier or "", str(p.date_of_birth or "")}
        values |= {(p.address or {}).get("line_one") or ""}
    for o in orders:
        if o.patient_id is None:
            continue
        values |= set(_leaves(o.medical_records)) | set(_leaves(o.treatments))
        values |= {(o.shipping_address or {}).get("line_one") or ""}
    lines = (await session.scalars(select(OrderLine).where(OrderLine.tenant_id == tenant_id))).all()
    shared = {v for row in (*orders, *lines) for v in _leaves(row.data)}
    values -= shared
    order_ids = [o.id for o in orders]
    projects = sorted({o.project_id for o in orders})
    customers = [a.id for a in accounts if a.kind.value == "customer"]
    suppliers = [a.id for a in accounts if a.kind.value == "supplier"]
    ids = {
        "order_id": order_ids,
        "id": order_ids,
        "_orderId": order_ids,
        "patient_id": [p.id for p in patients],
        "device_id": list(devices),
        "project_id": projects,
        "_id": projects,
        "customerId": customers,
        "merchantId": suppliers,
        "account_id": customers + suppliers,
    }
    return {v for v in values if len(v) >= MIN_LENGTH}, ids


@pytest.fixture(scope="module")
async def demo(app_and_sessions: tuple[object, async_sessionmaker[AsyncSession]], http) -> Demo:
    factory = app_and_sessions[1]
    async with session_scope(factory) as session:
        tenant = await ensure_tenant(session, f"phi-walk-{uuid.uuid4().hex[:12]}")
        data = await load_demo(session, tenant.id)
    async with session_scope(factory, write=False) as session:
        phi, ids = await _phi_and_ids(session, tenant.id)
    ids |= {
        "site_id": data.site_ids,
        "item_id": data.item_ids,
        "kit_id": data.kit_ids,
        "product_id": data.product_ids,
        "_productId": data.product_ids,
    }
    public = " ".join(
        [
            (
                await http.get(path, params={"limit": 500}, headers=_auth(data, "customer", path))
            ).text
            for path in PUBLIC
        ]
    )
    return Demo(data=data, ids=ids, phi={v for v in phi if v not in public})


def _auth(data: DemoData, who: str, path: str) -> dict[str, str]:
    if path.startswith("/compat/impilo/"):
        return {"Impilo-API-Key": data.keys[who]}
    return {"Authorization": f"Bearer {data.keys[who]}"}


_PARAM = re.compile(r"\{([^}:]+)\}")


def _urls(path: str, demo: Demo) -> list[str]:
    """``path`` with its parameter filled by each demo object it may name (one parameter
    at most is filled; a second one, a workflow version, is its first)."""
    names = _PARAM.findall(path)
    if not names:
        return [path]
    first, *rest = names
    filled = path
    for name in rest:
        filled = filled.replace(f"{{{name}}}", "1")
    return [filled.replace(f"{{{first}}}", str(ident)) for ident in demo.ids.get(first, [1])]


def _walked(routes: list[Route]) -> list[str]:
    return sorted({r.path for r in routes if r.method == "GET" and r.path not in SKIPPED})


async def _walk(http: httpx.AsyncClient, demo: Demo, who: str, paths: list[str]) -> dict:
    """url (and media type) -> the answer's text, for every url of ``paths``."""
    answers: dict[str, str] = {}
    for path in paths:
        medias = ["application/json", "application/xml"] if path.startswith("/v1/") else [None]
        for url in _urls(path, demo):
            for media in medias:
                headers = _auth(demo.data, who, path) | ({"Accept": media} if media else {})
                answer = await http.get(url, params={"limit": 500}, headers=headers)
                assert answer.status_code < 500, (url, answer.text)
                answers[f"{url} [{media or 'vendor'}]"] = answer.text
    return answers


def test_every_route_skipped_exists(routes):
    assert set(SKIPPED) <= {r.path for r in routes if r.method == "GET"}


async def test_the_demo_holds_phi_to_look_for(demo):
    assert len(demo.phi) > 20


@pytest.mark.parametrize("who", WALKERS)
async def test_no_answer_to_a_key_without_phi_read_holds_a_phi_value(http, routes, demo, who):
    answers = await _walk(http, demo, who, _walked(routes))
    # Answered, not refused: the lists of orders and patients hold the demo's.
    assert demo.data.order_ids[0] and '"items":[{' in answers["/v1/orders [application/json]"]
    assert '"items":[{' in answers["/v1/patients [application/json]"]
    leaks = {url: sorted(v for v in demo.phi if v in text) for url, text in answers.items()}
    assert {url: found for url, found in leaks.items() if found} == {}


async def test_the_same_walk_with_phi_read_finds_phi_in_orders_and_patients(http, demo):
    answers = await _walk(
        http, demo, "customer", ["/v1/orders", "/v1/patients", "/compat/impilo/api/v3/order"]
    )
    for url, text in answers.items():
        assert any(value in text for value in demo.phi), url
