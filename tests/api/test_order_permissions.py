"""Who may see and change which order.

A customer sees its own orders, a supplier the orders placed with it, an admin
every order of its tenant. Anything outside that is answered exactly like an
order that does not exist, on every route, so an outsider cannot even learn
that an id is taken.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from tests.api.builders import (
    make_catalog,
    make_order,
    problem,
    read_order,
    timeline_of,
    without_id,
)

MISSING_ID = 10**12


def as_missing(response: httpx.Response, order_id: int) -> dict:
    """A 404 problem with the order id blanked out, to compare with the 404 for another id."""
    return without_id(problem(response, 404), order_id)


async def _order(client, world) -> dict:
    return await make_order(client, world, await make_catalog(client, world))


# --- reading ----------------------------------------------------------------------------


async def test_a_customer_reads_its_own_order(client, world):
    order = await _order(client, world)
    assert (await read_order(client, world, order["id"], who="customer"))["id"] == order["id"]


async def test_a_supplier_reads_an_order_placed_with_it(client, world):
    order = await _order(client, world)
    assert (await read_order(client, world, order["id"], who="supplier"))["id"] == order["id"]


async def test_an_admin_reads_any_order_of_its_tenant(client, world):
    order = await _order(client, world)
    assert (await read_order(client, world, order["id"], who="admin"))["id"] == order["id"]


async def test_a_missing_order_is_a_404_problem(client, world):
    response = await client.get(f"/v1/orders/{MISSING_ID}", headers=world.auth("admin"))
    assert problem(response, 404)["instance"] == f"/v1/orders/{MISSING_ID}"


async def test_a_customer_cannot_read_another_customers_order(client, world):
    order = await _order(client, world)
    auth = world.auth("customer_other")
    foreign = await client.get(f"/v1/orders/{order['id']}", headers=auth)
    missing = await client.get(f"/v1/orders/{MISSING_ID}", headers=auth)
    assert as_missing(foreign, order["id"]) == as_missing(missing, MISSING_ID)


async def test_a_supplier_cannot_read_an_order_placed_with_another_supplier(client, world):
    order = await _order(client, world)
    auth = world.auth("supplier_other")
    foreign = await client.get(f"/v1/orders/{order['id']}", headers=auth)
    missing = await client.get(f"/v1/orders/{MISSING_ID}", headers=auth)
    assert as_missing(foreign, order["id"]) == as_missing(missing, MISSING_ID)


async def test_an_admin_cannot_read_an_order_of_another_tenant(client, world, other_world):
    order = await _order(client, world)
    auth = other_world.auth("admin")
    foreign = await client.get(f"/v1/orders/{order['id']}", headers=auth)
    missing = await client.get(f"/v1/orders/{MISSING_ID}", headers=auth)
    assert as_missing(foreign, order["id"]) == as_missing(missing, MISSING_ID)


async def test_reading_an_order_needs_a_key(client, world):
    order = await _order(client, world)
    response = await client.get(f"/v1/orders/{order['id']}")
    assert response.status_code == 401


# --- every route that touches one order obeys the same scope ------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    body: dict | None = None

    async def call(self, client: httpx.AsyncClient, order_id: int, headers: dict) -> httpx.Response:
        url = self.path.format(id=order_id)
        if self.body is None:
            return await client.request(self.method, url, headers=headers)
        return await client.request(self.method, url, json=self.body, headers=headers)


ROUTES = [
    Route("read", "GET", "/v1/orders/{id}"),
    Route("edit", "PATCH", "/v1/orders/{id}", {"memo": "mine now"}),
    Route("note", "POST", "/v1/orders/{id}/notes", {"text": "hello"}),
    Route("tracking", "POST", "/v1/orders/{id}/tracking-numbers", {"carrier": "UPS", "value": "1"}),
    Route("cancel", "POST", "/v1/orders/{id}/cancel", {"reason": "mine now"}),
    Route("move", "POST", "/v1/orders/{id}/transitions", {"to": "processing"}),
    Route("cancel-move", "POST", "/v1/orders/{id}/transitions", {"to": "cancelled"}),
    Route("timeline", "GET", "/v1/orders/{id}/timeline"),
]

# Customers are refused tracking numbers for every order (403), so for that
# route only outsiders who could add one to their own orders are checked.
OUTSIDERS = [
    ("customer_other", False),
    ("supplier_other", False),
    ("admin", True),  # of another tenant
    ("supplier", True),  # of another tenant
]


def _cases() -> list:
    return [
        pytest.param(
            route, who, other_tenant, id=f"{route.name}-{who}{'-tenant' if other_tenant else ''}"
        )
        for route in ROUTES
        for who, other_tenant in OUTSIDERS
        if not (route.name == "tracking" and who.startswith("customer"))
    ]


@pytest.mark.parametrize(("route", "who", "other_tenant"), _cases())
async def test_an_outsider_gets_the_answer_for_a_missing_order_and_changes_nothing(
    client, world, other_world, route, who, other_tenant
):
    order = await _order(client, world)
    outsider = other_world if other_tenant else world
    headers = outsider.auth(who)
    foreign = await route.call(client, order["id"], headers)
    missing = await route.call(client, MISSING_ID, headers)
    assert as_missing(foreign, order["id"]) == as_missing(missing, MISSING_ID)
    after = await read_order(client, world, order["id"])
    assert (after["version"], after["status"], after["memo"]) == (
        order["version"],
        order["status"],
        order["memo"],
    )
    assert [e["kind"] for e in await timeline_of(client, world, order["id"])] == ["created"]


# --- roles -------------------------------------------------------------------------------


async def test_a_supplier_cannot_place_orders(client, world):
    catalog = await make_catalog(client, world)
    response = await client.post(
        "/v1/orders",
        json={
            "customer_account_id": world.accounts["customer"],
            "lines": [{"item_id": catalog.item_ids[0]}],
        },
        headers=world.auth("supplier"),
    )
    assert response.status_code == 403, response.text


async def test_a_customer_cannot_add_a_tracking_number(client, world):
    order = await _order(client, world)
    response = await client.post(
        f"/v1/orders/{order['id']}/tracking-numbers",
        json={"carrier": "UPS", "value": "1Z"},
        headers=world.auth("customer"),
    )
    assert response.status_code == 403, response.text
    assert (await read_order(client, world, order["id"]))["tracking_numbers"] == []


async def test_a_customer_cannot_take_a_move_reserved_for_suppliers(client, world):
    order = await _order(client, world)
    response = await client.post(
        f"/v1/orders/{order['id']}/transitions",
        json={"to": "processing"},
        headers=world.auth("customer"),
    )
    assert response.status_code == 403, response.text


async def test_a_supplier_cannot_take_a_move_reserved_for_buyers(client, world):
    order = await _order(client, world)
    response = await client.post(
        f"/v1/orders/{order['id']}/transitions",
        json={"to": "cancelled"},
        headers=world.auth("supplier"),
    )
    assert response.status_code == 403, response.text
    assert response.json()["allowed"] == ["reconfirmAddress", "processing"]
