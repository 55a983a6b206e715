"""Scopes: a key holds some of its role's scopes (all of them unless told), and each route,
native or compatibility, refuses a key without the one it declares, naming it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import pytest

from orderdesk.tenancy.models import Role
from orderdesk.tenancy.scopes import ROLE_SCOPES, Scope
from tests.api.builders import created, make_catalog, make_order, make_patient, pointers, problem
from tests.conftest import World

IMPILO = "/compat/impilo/api/v3"
RAYTEAMS = "/compat/rayteams/v1.0"
RSO = "/compat/rso/api/v1"
LABPORTAL = "/compat/labportal/api-v1"


async def make_key(
    client: httpx.AsyncClient, world: World, who: str = "customer", **fields: object
) -> dict:
    """A new key of ``who``'s role and account (``who`` one of ``world.accounts``)."""
    body = {"name": f"{who} scoped", "role": who, "account_id": world.accounts[who], **fields}
    return await created(
        await client.post("/v1/credentials", json=body, headers=world.auth("admin"))
    )


async def secret_without(
    client: httpx.AsyncClient, world: World, scope: Scope, who: str = "customer"
) -> str:
    """A key of ``who`` holding every scope of its role but ``scope``."""
    scopes = sorted(ROLE_SCOPES[Role(who)] - {scope})
    return (await make_key(client, world, who, scopes=scopes))["secret"]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


# --- native routes ---------------------------------------------------------------------------


async def test_a_key_with_orders_read_only_reads_orders(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    secret = (await make_key(client, world, scopes=["orders:read"]))["secret"]
    listed = await client.get("/v1/orders", headers=bearer(secret))
    one = await client.get(f"/v1/orders/{order['id']}", headers=bearer(secret))
    assert listed.status_code == one.status_code == 200, listed.text
    assert [o["id"] for o in listed.json()["items"]] == [order["id"]]


async def test_a_key_with_orders_read_only_cannot_place_an_order_and_is_told_orders_write(
    client, world
):
    catalog = await make_catalog(client, world)
    secret = (await make_key(client, world, scopes=["orders:read"]))["secret"]
    response = await client.post(
        "/v1/orders",
        json={"lines": [{"item_id": catalog.item_ids[0], "count": 1}]},
        headers=bearer(secret),
    )
    body = problem(response, 403)
    assert body["missing_scopes"] == ["orders:write"]
    assert "orders:write" in body["detail"]


async def test_a_refused_order_is_not_placed(client, world):
    catalog = await make_catalog(client, world)
    secret = (await make_key(client, world, scopes=["orders:read"]))["secret"]
    body = {"lines": [{"item_id": catalog.item_ids[0], "count": 1}]}
    assert (await client.post("/v1/orders", json=body, headers=bearer(secret))).status_code == 403
    listed = await client.get("/v1/orders", headers=world.auth("admin"))
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    ("who", "scope"),
    [("customer", "admin"), ("customer", "catalog:write"), ("supplier", "patients:write")],
)
async def test_a_scope_outside_the_role_is_refused_at_scopes(client, world, who, scope):
    body = {"name": "k", "role": who, "account_id": world.accounts[who], "scopes": [scope]}
    response = await client.post("/v1/credentials", json=body, headers=world.auth("admin"))
    error = problem(response, 422)
    assert pointers(error) == {"/scopes"}
    assert scope in error["detail"]


async def test_an_unknown_scope_is_refused(client, world):
    body = {"name": "k", "role": "customer", "account_id": world.accounts["customer"]}
    response = await client.post(
        "/v1/credentials", json={**body, "scopes": ["orders:delete"]}, headers=world.auth("admin")
    )
    assert pointers(problem(response, 422)) == {"/scopes/0"}


@pytest.mark.parametrize("role", list(Role))
async def test_a_key_made_without_scopes_holds_every_scope_of_its_role(client, world, role):
    account = {"account_id": world.accounts[role.value]} if role is not Role.ADMIN else {}
    body = {"name": "k", "role": role.value, **account}
    made = await created(
        await client.post("/v1/credentials", json=body, headers=world.auth("admin"))
    )
    response = await client.get(f"/v1/credentials/{made['id']}", headers=world.auth("admin"))
    assert response.status_code == 200, response.text
    assert response.json()["scopes"] == sorted(ROLE_SCOPES[role])


async def test_a_key_holds_exactly_the_scopes_it_was_made_with(client, world):
    made = await make_key(client, world, scopes=["orders:write", "orders:read", "orders:read"])
    response = await client.get(f"/v1/credentials/{made['id']}", headers=world.auth("admin"))
    assert response.json()["scopes"] == ["orders:read", "orders:write"]


async def test_a_customer_key_cannot_read_the_audit_trail(client, world):
    body = problem(await client.get("/v1/audit-events", headers=world.auth("customer")), 403)
    assert body["missing_scopes"] == ["audit:read"]


async def test_an_admin_key_reads_the_audit_trail(client, world):
    response = await client.get("/v1/audit-events", headers=world.auth("admin"))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("path", "scope"), [("/v1/orders", "orders:read"), ("/v1/audit-events", "audit:read")]
)
async def test_the_openapi_document_names_the_scope_a_route_needs(client, path, scope):
    document = (await client.get("/openapi.json")).json()
    security = document["paths"][path]["get"]["security"]
    assert {"OAuth2": [scope]} in security
    assert all(requirement == {name: [scope]} for requirement in security for name in requirement)


# --- compatibility surfaces ------------------------------------------------------------------


async def test_impilo_refuses_a_create_without_orders_write_in_its_own_shape(client, world):
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    secret = await secret_without(client, world, Scope.ORDERS_WRITE)
    response = await client.post(
        f"{IMPILO}/order",
        json={
            "patient": {"id": patient["id"]},
            "orderItems": [{"count": 1, "item": {"id": catalog.item_ids[0]}}],
        },
        headers={"Impilo-API-Key": secret},
    )
    assert response.status_code == 403, response.text
    body = response.json()
    assert set(body) == {"timestamp", "status", "error", "code", "message", "path", "errors"}
    assert (body["status"], body["error"], body["path"]) == (403, "Forbidden", f"{IMPILO}/order")
    assert "orders:write" in body["message"]


async def test_rayteams_refuses_an_order_read_without_orders_read_as_a_problem(client, world):
    order = await make_order(client, world, await make_catalog(client, world))
    secret = await secret_without(client, world, Scope.ORDERS_READ)
    response = await client.get(f"{RAYTEAMS}/order/{order['id']}", headers=bearer(secret))
    body = problem(response, 403)
    assert body["missing_scopes"] == ["orders:read"]
    assert body["instance"] == f"{RAYTEAMS}/order/{order['id']}"


async def test_rayteams_refuses_a_status_update_without_orders_write(client, world):
    order = await make_order(client, world, await make_catalog(client, world))
    secret = await secret_without(client, world, Scope.ORDERS_WRITE, who="supplier")
    response = await client.put(
        f"{RAYTEAMS}/order/{order['id']}/status", json={"status": "x"}, headers=bearer(secret)
    )
    assert problem(response, 403)["missing_scopes"] == ["orders:write"]


async def test_rso_refuses_a_create_without_orders_write_as_insufficient_privileges(client, world):
    catalog = await make_catalog(client, world)
    secret = await secret_without(client, world, Scope.ORDERS_WRITE)
    response = await client.post(
        f"{RSO}/orders/merchants/{world.accounts['supplier']}/records/{catalog.product_id}/",
        json={"comments": "no scope"},
        headers=bearer(secret),
    )
    # The vendor's document has one answer for any caller it refuses: a 401 in its shape.
    assert response.status_code == 401, response.text
    assert response.json() == {"error_message": "Insufficient privileges", "response_code": 401}


async def test_labportal_refuses_an_order_read_without_orders_read_as_a_problem(client, world):
    order = await make_order(client, world, await make_catalog(client, world))
    secret = await secret_without(client, world, Scope.ORDERS_READ)
    response = await client.get(
        f"{LABPORTAL}/commerce/orders/{order['id']}", headers=bearer(secret)
    )
    body = problem(response, 403)
    assert body["missing_scopes"] == ["orders:read"]


async def test_labportal_refuses_in_xml_when_asked_for_xml(client, world):
    order = await make_order(client, world, await make_catalog(client, world))
    secret = await secret_without(client, world, Scope.ORDERS_READ)
    response = await client.get(
        f"{LABPORTAL}/commerce/orders/{order['id']}",
        headers={**bearer(secret), "Accept": "application/xml"},
    )
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+xml")
    assert "orders:read" in ET.tostring(ET.fromstring(response.content), encoding="unicode")
