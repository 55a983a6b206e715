"""OWASP API Security Top 10 (2023), checked over the app's own route table.

- API1, object-level authorisation: every route that takes an object id (native and
  compatibility surfaces), called by three kinds of outsider on objects a customer and a
  supplier own, answers as it does for an id that names nothing (a 404 in the surface's
  shape, or a refusal of the function itself that does not depend on the object);
- API3, mass assignment: every native write route refuses server-owned fields, naming
  them (or, where the route takes no body, ignores them);
- API2, broken authentication: revoked and expired keys, a garbage bearer token, an
  ``alg: none`` token and an expired token are a 401 on native and compatibility routes.

A new id route or write route fails the coverage tests until it is added here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import httpx
import jwt
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orderdesk.db import session_scope
from orderdesk.tenancy.models import Credential
from orderdesk.tenancy.service import hash_secret
from orderdesk.webhooks.worker import Worker
from tests.api.builders import (
    created,
    credential_id,
    make_catalog,
    make_patient,
    make_site,
    pointers,
    problem,
    product_following,
)
from tests.api.test_workflows import TWO_STEP
from tests.compat.test_rso import CREATE_SAMPLE_BODY
from tests.conftest import World, make_world
from tests.security.conftest import Route

RAYTEAMS = "/compat/rayteams/v1.0"
LABPORTAL = "/compat/labportal/api-v1"
IMPILO = "/compat/impilo/api/v3"
RSO = "/compat/rso/api/v1"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
#: A webhook URL on a public literal address: the private-address guard passes, with no DNS.
HOOK = "https://93.184.215.14/hook"
#: An id no object has (still within 64 bits, so it is looked up).
MISSING = 10**12


@dataclass
class Owned:
    """A tenant whose customer and supplier own one object of every kind, and another
    tenant (whose keys are outsiders too)."""

    world: World
    other: World
    ids: dict[str, int]


@pytest.fixture(scope="module")
async def owned(
    http: httpx.AsyncClient,
    app_and_sessions: tuple[object, async_sessionmaker[AsyncSession]],
) -> Owned:
    _, sessions = app_and_sessions
    world, other = await make_world(sessions), await make_world(sessions)
    customer, supplier = world.auth("customer"), world.auth("supplier")
    catalog = await make_catalog(http, world)
    patient = await make_patient(http, world)
    site = await make_site(http, world)
    # The customer's webhook, made before the order so that the order's events go to it.
    webhook = await created(await http.post("/v1/webhooks", json={"url": HOOK}, headers=customer))
    # An order of the RSO record workflow, for a patient, of items and a kit: one every
    # surface shows (RSO: orders from a product; Impilo: items or kits for a recipient).
    product = await product_following(http, world, "rso-record")
    order = await created(
        await http.post(
            "/v1/orders",
            headers=customer,
            json={
                "patient_id": patient["id"],
                "product_id": product,
                "lines": [{"kit_id": catalog.kit_id}, {"item_id": catalog.item_ids[1]}],
                "shipping_address": {"line_one": "1 Secret Street", "city": "Salem"},
            },
        )
    )
    devices = [
        await created(await http.post("/v1/devices", json={"item_id": item}, headers=supplier))
        for item in (catalog.item_ids[0], catalog.item_ids[0], catalog.item_ids[1])
    ]
    packed = await created(
        await http.post(
            f"/v1/orders/{order['id']}/packed-kits",
            json={"kit_id": catalog.kit_id, "device_ids": [devices[0]["id"], devices[1]["id"]]},
            headers=supplier,
        )
    )
    assigned = await http.post(
        f"/v1/orders/{order['id']}/devices",
        json={"device_ids": [devices[2]["id"]]},
        headers=supplier,
    )
    assert assigned.status_code == 200, assigned.text
    workflow = await created(
        await http.post("/v1/workflows", json={"definition": TWO_STEP}, headers=supplier)
    )
    schema = await created(
        await http.post(
            "/v1/order-schemas",
            json={"name": "lab-form", "schema": {"type": "object"}},
            headers=supplier,
        )
    )
    # A delivery exists once the worker has fanned the order's events out to the webhook
    # (nothing is sent: only the fan-out runs).
    assert await Worker(sessions, tenants=frozenset({world.tenant_id})).fan_out()
    deliveries = await http.get(f"/v1/webhooks/{webhook['id']}/deliveries", headers=customer)
    assert deliveries.status_code == 200 and deliveries.json()["items"], deliveries.text
    audit = await http.get("/v1/audit-events", headers=world.auth("admin"))
    assert audit.status_code == 200 and audit.json()["items"], audit.text
    ids = {
        "account": world.accounts["customer"],
        "credential": await credential_id(http, world, "customer"),
        "site": site["id"],
        "patient": patient["id"],
        "manufacturer": catalog.manufacturer_id,
        "item": catalog.item_ids[0],
        "kit": catalog.kit_id,
        "product": product,
        "device": devices[2]["id"],
        "workflow": workflow["id"],
        "workflow_version": 1,
        "project": order["project_id"],
        "schema": schema["id"],
        "order": order["id"],
        "packed_kit": packed["packed_kits"][0]["id"],
        "audit_event": audit.json()["items"][0]["id"],
        "webhook": webhook["id"],
        "delivery": deliveries.json()["items"][0]["id"],
        "customer_account": world.accounts["customer"],
        "supplier_account": world.accounts["supplier"],
    }
    return Owned(world=world, other=other, ids=ids)


def parse(route: str) -> Route:
    method, path = route.split(" ", 1)
    return Route(method, path)


def auth(world: World, who: str, route: Route) -> dict[str, str]:
    """``who``'s key as ``route``'s surface takes it (Impilo: its own header)."""
    if route.surface == "impilo":
        return {"Impilo-API-Key": world.keys[who]}
    return world.auth(who)


# --- API1: object-level authorisation -----------------------------------------------------

#: Which of ``Owned.ids`` each path parameter names, unless ``ROUTE_OBJECTS`` says otherwise.
PARAM_OBJECT = {
    "account_id": "account",
    "credential_id": "credential",
    "site_id": "site",
    "patient_id": "patient",
    "manufacturer_id": "manufacturer",
    "item_id": "item",
    "kit_id": "kit",
    "product_id": "product",
    "device_id": "device",
    "workflow_id": "workflow",
    "number": "workflow_version",
    "project_id": "project",
    "schema_id": "schema",
    "order_id": "order",
    "packed_kit_id": "packed_kit",
    "audit_event_id": "audit_event",
    "webhook_id": "webhook",
    "delivery_id": "delivery",
    "_orderId": "order",
    "_id": "order",
    "_productId": "product",
    "id": "order",
    "orderId": "order",
    "merchantId": "supplier_account",
    "recordId": "product",
    "customerId": "customer_account",
}
#: Where a route's parameter names another kind of object than ``PARAM_OBJECT`` says.
ROUTE_OBJECTS = {
    f"GET {RAYTEAMS}/project/{{_id}}/orders": {"_id": "project"},
    f"GET {RAYTEAMS}/project/{{_id}}/histories": {"_id": "project"},
    # A tag or an external id is any text: the order is the object the route protects.
    "DELETE /v1/orders/{order_id}/tags/{tag:path}": {"tag:path": "order"},
    "DELETE /v1/orders/{order_id}/external-ids/{external_id:path}": {"external_id:path": "order"},
}


@dataclass(frozen=True)
class Call:
    """A valid request to an id route, so that a refusal is about the object, not the body:
    ``json`` or form ``content``; ``objects`` puts ids of ``Owned.ids`` into the JSON."""

    json: dict | None = None
    content: str | None = None
    objects: tuple[tuple[str, str, bool], ...] = ()  # (field, kind, as a list)


RSO_CREATE = Call(content=CREATE_SAMPLE_BODY)
RSO_UPDATE = Call(content="comments=Taken%20over")

#: Every route that takes an object id. ``test_every_id_route_is_covered`` fails for a new
#: one until it is added here (or to ``NOT_OBJECT_ROUTES``).
ID_ROUTES: dict[str, Call] = {
    "GET /v1/accounts/{account_id}": Call(),
    "PATCH /v1/accounts/{account_id}": Call(json={"name": "Taken over"}),
    "GET /v1/credentials/{credential_id}": Call(),
    "POST /v1/credentials/{credential_id}/revoke": Call(),
    "POST /v1/credentials/{credential_id}/rotate": Call(json={}),
    "GET /v1/sites/{site_id}": Call(),
    "PATCH /v1/sites/{site_id}": Call(json={"name": "Taken over"}),
    "GET /v1/patients/{patient_id}": Call(),
    "PATCH /v1/patients/{patient_id}": Call(json={"first_name": "Taken"}),
    "GET /v1/manufacturers/{manufacturer_id}": Call(),
    "PATCH /v1/manufacturers/{manufacturer_id}": Call(json={"name": "Taken over"}),
    "GET /v1/items/{item_id}": Call(),
    "PATCH /v1/items/{item_id}": Call(json={"name": "Taken over"}),
    "GET /v1/kits/{kit_id}": Call(),
    "PATCH /v1/kits/{kit_id}": Call(json={"name": "Taken over"}),
    "GET /v1/products/{product_id}": Call(),
    "PATCH /v1/products/{product_id}": Call(json={"name": "Taken over"}),
    "GET /v1/devices/{device_id}": Call(),
    "PATCH /v1/devices/{device_id}": Call(json={"external_identifier": "TAKEN"}),
    "GET /v1/devices/{device_id}/events": Call(),
    "POST /v1/devices/{device_id}/events": Call(json={"type": "health_check"}),
    "GET /v1/workflows/{workflow_id}": Call(),
    "PUT /v1/workflows/{workflow_id}": Call(json={"definition": TWO_STEP}),
    "GET /v1/workflows/{workflow_id}/versions": Call(),
    "GET /v1/workflows/{workflow_id}/versions/{number}": Call(),
    "GET /v1/projects/{project_id}": Call(),
    "GET /v1/projects/{project_id}/orders": Call(),
    "GET /v1/projects/{project_id}/timeline": Call(),
    "GET /v1/order-schemas/{schema_id}": Call(),
    "PUT /v1/order-schemas/{schema_id}": Call(json={"schema": {"type": "object"}}),
    "GET /v1/orders/{order_id}": Call(),
    "PATCH /v1/orders/{order_id}": Call(json={"memo": "Taken over"}),
    "POST /v1/orders/{order_id}/transitions": Call(json={"to": "confirmed"}),
    "POST /v1/orders/{order_id}/cancel": Call(json={"reason": "Taken over"}),
    "POST /v1/orders/{order_id}/notes": Call(json={"text": "Taken over"}),
    "POST /v1/orders/{order_id}/tracking-numbers": Call(json={"carrier": "UPS", "value": "1Z"}),
    "POST /v1/orders/{order_id}/devices": Call(json={}, objects=(("device_ids", "device", True),)),
    "DELETE /v1/orders/{order_id}/devices/{device_id}": Call(),
    "POST /v1/orders/{order_id}/packed-kits": Call(json={}, objects=(("kit_id", "kit", False),)),
    "DELETE /v1/orders/{order_id}/packed-kits/{packed_kit_id}": Call(),
    "POST /v1/orders/{order_id}/returns/received": Call(json={}),
    "POST /v1/orders/{order_id}/tags": Call(json={"tags": ["taken-over"]}),
    "DELETE /v1/orders/{order_id}/tags/{tag:path}": Call(),
    "POST /v1/orders/{order_id}/external-ids": Call(json={"external_order_ids": ["TAKEN"]}),
    "DELETE /v1/orders/{order_id}/external-ids/{external_id:path}": Call(),
    "GET /v1/orders/{order_id}/timeline": Call(),
    "GET /v1/audit-events/{audit_event_id}": Call(),
    "GET /v1/audit-events/{audit_event_id}/fhir": Call(),
    "GET /v1/webhooks/{webhook_id}": Call(),
    "PATCH /v1/webhooks/{webhook_id}": Call(json={"url": HOOK}),
    "DELETE /v1/webhooks/{webhook_id}": Call(),
    "POST /v1/webhooks/{webhook_id}/rotate": Call(),
    "GET /v1/webhooks/{webhook_id}/deliveries": Call(),
    "POST /v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver": Call(),
    f"GET {RAYTEAMS}/order/{{_orderId}}": Call(),
    f"PUT {RAYTEAMS}/order/{{_id}}/status": Call(json={"data": {"status": "confirmed"}}),
    f"GET {RAYTEAMS}/product/{{_productId}}": Call(),
    f"GET {RAYTEAMS}/project/{{_id}}/orders": Call(),
    f"GET {RAYTEAMS}/project/{{_id}}/histories": Call(),
    f"GET {LABPORTAL}/commerce/orders/{{id}}": Call(),
    f"GET {IMPILO}/order/{{id}}": Call(),
    **{
        f"{method} {RSO}/orders/merchants/{{merchantId}}/records/{{recordId}}{slash}": RSO_CREATE
        for method in ("PUT", "POST")
        for slash in ("", "/")
    },
    **{
        f"GET {RSO}/orders/{whose}/{{{param}}}{slash}": Call()
        for whose, param in (("customers", "customerId"), ("merchants", "merchantId"))
        for slash in ("", "/")
    },
    f"PUT {RSO}/orders/{{orderId}}": RSO_UPDATE,
    f"PUT {RSO}/orders/{{orderId}}/": RSO_UPDATE,
    f"DELETE {RSO}/orders/{{orderId}}/customers/{{customerId}}": Call(),
    f"DELETE {RSO}/orders/{{orderId}}/customers/{{customerId}}/": Call(),
}

#: Routes whose path parameter names no object, so no owner's object to protect.
NOT_OBJECT_ROUTES = {
    **{
        f"{method} {RSO}/{{path:path}}": "RSO's catch-all for unknown paths: its own 404/405, "
        "whatever the path holds"
        for method in ("DELETE", "GET", "PATCH", "POST", "PUT")
    },
}

#: Outsiders to the owners' objects: another tenant's keys (each role), another customer
#: and an unrelated supplier of the owners' own tenant.
OUTSIDERS = {
    "other_tenant_admin": ("other", "admin"),
    "other_tenant_customer": ("other", "customer"),
    "other_tenant_supplier": ("other", "supplier"),
    "customer_other": ("world", "customer_other"),
    "supplier_other": ("world", "supplier_other"),
}

_CATALOG = "a supplier's catalog is readable by every account of its tenant (customers order "
"from it; catalog/models.py: _CatalogReadable.visible_to is true)"
_SHARED = "readable by every account of the tenant by design (visible_to is true)"
_OWNER_ONLY = "readable by this outsider by design, so a 403 naming the owner reveals nothing"
#: (route, outsider) pairs where the outsider may see the object: left out of the matrix.
MAY_SEE: dict[tuple[str, str], str] = {
    **{
        (f"GET /v1/{path}", who): _CATALOG
        for path in (
            "manufacturers/{manufacturer_id}",
            "items/{item_id}",
            "kits/{kit_id}",
            "products/{product_id}",
        )
        for who in ("customer_other", "supplier_other")
    },
    **{
        (f"GET {RAYTEAMS}/product/{{_productId}}", who): _CATALOG
        for who in OUTSIDERS
        if "other_tenant" not in who
    },
    **{
        (f"GET /v1/{path}", who): "workflows: " + _SHARED
        for path in (
            "workflows/{workflow_id}",
            "workflows/{workflow_id}/versions",
            "workflows/{workflow_id}/versions/{number}",
        )
        for who in ("customer_other", "supplier_other")
    },
    **{
        ("GET /v1/order-schemas/{schema_id}", who): "order schemas (customers fill orders in "
        "by them): " + _SHARED
        for who in ("customer_other", "supplier_other")
    },
    **{
        (f"{method} /v1/{path}", "supplier_other"): _OWNER_ONLY
        for method, path in (
            ("PATCH", "items/{item_id}"),
            ("PATCH", "kits/{kit_id}"),
            ("PATCH", "products/{product_id}"),
            ("PUT", "workflows/{workflow_id}"),
            ("PUT", "order-schemas/{schema_id}"),
        )
    },
    **{
        (
            f"{method} {RSO}/orders/merchants/{{merchantId}}/records/{{recordId}}{slash}",
            who,
        ): "any customer of the tenant may order a merchant's record "
        "(the catalog is shared): this creates the customer's own order; a supplier sees the "
        "record exists (catalog, shared) before being refused as no customer (401)"
        for method in ("PUT", "POST")
        for slash in ("", "/")
        for who in ("customer_other", "supplier_other")
    },
}

MATRIX = [
    pytest.param(route, who, id=f"{route} by {who}")
    for route in ID_ROUTES
    for who in OUTSIDERS
    if (route, who) not in MAY_SEE
]


def url_of(route: str, ids: dict[str, int]) -> str:
    names = {**PARAM_OBJECT, **ROUTE_OBJECTS.get(route, {})}
    url = parse(route).path
    for param, kind in names.items():
        url = url.replace("{" + param + "}", str(ids[kind]))
    assert "{" not in url, f"no object for a parameter of {route}"
    return url


async def call(
    http: httpx.AsyncClient, route: str, ids: dict[str, int], headers: dict[str, str]
) -> httpx.Response:
    spec = ID_ROUTES[route]
    kwargs: dict[str, object] = {}
    if spec.json is not None:
        body = dict(spec.json)
        for field, kind, as_list in spec.objects:
            body[field] = [ids[kind]] if as_list else ids[kind]
        kwargs["json"] = body
    elif spec.content is not None:
        kwargs["content"] = spec.content
        headers = {**headers, **FORM}
    return await http.request(parse(route).method, url_of(route, ids), headers=headers, **kwargs)


def answer_shape(response: httpx.Response) -> tuple[object, ...]:
    """What an answer says, less what names the object (ids in its detail or instance)."""
    kind = response.headers.get("content-type", "").split(";")[0]
    try:
        body = response.json()
    except ValueError:
        return response.status_code, kind, response.text
    if not isinstance(body, dict):
        return response.status_code, kind, type(body).__name__
    said = {k: body[k] for k in ("type", "title", "error_message", "status", "code") if k in body}
    return response.status_code, kind, sorted(body), said


def test_every_id_route_is_covered(routes):
    with_ids = {str(r) for r in routes if "{" in r.path}
    assert with_ids == set(ID_ROUTES) | set(NOT_OBJECT_ROUTES)
    assert not set(ID_ROUTES) & set(NOT_OBJECT_ROUTES)


def test_every_exception_names_a_covered_route_and_an_outsider():
    for route, who in MAY_SEE:
        assert route in ID_ROUTES, route
        assert who in OUTSIDERS, who


@pytest.mark.parametrize(("route", "who"), MATRIX)
async def test_an_outsider_is_answered_as_for_a_missing_object(http, owned, route, who):
    """A 404 (in the surface's own shape), or a refusal of the route's function itself
    (the role or scope lacks it: 401/403, API5); either way, the same answer as for an id
    that names nothing, so the object's existence does not show."""
    world = owned.other if OUTSIDERS[who][0] == "other" else owned.world
    headers = auth(world, OUTSIDERS[who][1], parse(route))
    answer = await call(http, route, owned.ids, headers)
    assert answer.status_code in (401, 403, 404), answer.text
    # (A workflow version number is at most 2^31-1: past it, the answer is a 422.)
    nothing = {**dict.fromkeys(owned.ids, MISSING), "workflow_version": 2**31 - 1}
    missing = await call(http, route, nothing, headers)
    assert answer_shape(answer) == answer_shape(missing), (answer.text, missing.text)


#: Who reads each GET id route's object (the positive control: the ids are right).
OWNER = {
    "/v1/accounts": "customer",
    "/v1/credentials": "admin",
    "/v1/sites": "customer",
    "/v1/patients": "customer",
    "/v1/projects": "customer",
    "/v1/orders": "customer",
    "/v1/audit-events": "admin",
    "/v1/webhooks": "customer",
    RSO + "/orders/customers": "customer",
    RSO + "/orders/merchants": "supplier",
    RAYTEAMS: "customer",
    LABPORTAL: "customer",
    IMPILO: "customer",
}


@pytest.mark.parametrize("route", [r for r in ID_ROUTES if r.startswith("GET ")])
async def test_the_owner_reads_the_object_each_route_names(http, owned, route):
    path = parse(route).path
    who = next((o for prefix, o in OWNER.items() if path.startswith(prefix)), "supplier")
    answer = await call(http, route, owned.ids, auth(owned.world, who, parse(route)))
    assert answer.status_code == 200, answer.text


# --- API3: mass assignment -----------------------------------------------------------------

#: Fields the server owns on what it stores, and a value of each it would never set.
FORGED = {
    "id": 999_999,
    "tenant_id": 999_999,
    "version": 999,
    "created_at": "2001-01-01T00:00:00Z",
    "updated_at": "2001-01-01T00:00:00Z",
    "status": "completed",
}

#: A valid body of every native write route, and the key that may send it; ``0`` stands
#: for the owned item, kit or device. Each refuses the server's fields by name (a 422
#: whose ``errors`` point at exactly that field): bodies are ``extra="forbid"``.
WRITES: dict[str, tuple[str, dict]] = {
    "POST /v1/accounts": ("admin", {"kind": "customer", "name": "New customer"}),
    "PATCH /v1/accounts/{account_id}": ("admin", {"name": "Renamed"}),
    "POST /v1/credentials": ("admin", {"name": "k", "role": "admin"}),
    "POST /v1/credentials/{credential_id}/rotate": ("admin", {}),
    "POST /v1/sites": ("customer", {"name": "South clinic"}),
    "PATCH /v1/sites/{site_id}": ("customer", {"name": "Renamed"}),
    "POST /v1/patients": (
        "customer",
        {"first_name": "Ann", "last_name": "Lee", "date_of_birth": "1990-02-03"},
    ),
    "PATCH /v1/patients/{patient_id}": ("customer", {"first_name": "Anne"}),
    "POST /v1/manufacturers": ("supplier", {"name": "Maker"}),
    "PATCH /v1/manufacturers/{manufacturer_id}": ("supplier", {"name": "Renamed"}),
    "POST /v1/items": ("supplier", {"sku": "MA-1", "name": "Item", "model": "M"}),
    "PATCH /v1/items/{item_id}": ("supplier", {"name": "Renamed"}),
    "POST /v1/kits": ("supplier", {"name": "Kit", "kit_items": [{"item_id": 0, "count": 1}]}),
    "PATCH /v1/kits/{kit_id}": ("supplier", {"name": "Renamed"}),
    "POST /v1/products": ("supplier", {"name": "Product", "price": "1", "currency": "USD"}),
    "PATCH /v1/products/{product_id}": ("supplier", {"name": "Renamed"}),
    "POST /v1/devices": ("supplier", {"item_id": 0}),
    "PATCH /v1/devices/{device_id}": ("supplier", {"external_identifier": "SN-1"}),
    "POST /v1/devices/{device_id}/events": ("supplier", {"type": "health_check"}),
    "POST /v1/workflows": ("supplier", {"definition": TWO_STEP}),
    "PUT /v1/workflows/{workflow_id}": ("supplier", {"definition": TWO_STEP}),
    "POST /v1/projects": ("customer", {"name": "Project"}),
    "POST /v1/order-schemas": ("supplier", {"name": "form-2", "schema": {"type": "object"}}),
    "PUT /v1/order-schemas/{schema_id}": ("supplier", {"schema": {"type": "object"}}),
    "POST /v1/orders": ("customer", {"lines": [{"item_id": 0, "count": 1}]}),
    "PATCH /v1/orders/{order_id}": ("customer", {"memo": "Changed"}),
    "POST /v1/orders/{order_id}/transitions": ("supplier", {"to": "confirmed"}),
    "POST /v1/orders/{order_id}/cancel": ("customer", {"reason": "No longer needed"}),
    "POST /v1/orders/{order_id}/notes": ("customer", {"text": "A note"}),
    "POST /v1/orders/{order_id}/tracking-numbers": ("supplier", {"carrier": "UPS", "value": "1Z"}),
    "POST /v1/orders/{order_id}/devices": ("supplier", {"device_ids": [0]}),
    "POST /v1/orders/{order_id}/packed-kits": ("supplier", {"kit_id": 0}),
    "POST /v1/orders/{order_id}/returns/received": ("supplier", {}),
    "POST /v1/orders/{order_id}/tags": ("customer", {"tags": ["checked"]}),
    "POST /v1/orders/{order_id}/external-ids": ("customer", {"external_order_ids": ["PO-9"]}),
    "POST /v1/webhooks": ("customer", {"url": HOOK}),
    "PATCH /v1/webhooks/{webhook_id}": ("customer", {"url": HOOK}),
}
#: Write routes that read no body: whatever is sent is ignored (checked on the stored object).
BODYLESS = {
    "POST /v1/credentials/{credential_id}/revoke",
    "POST /v1/webhooks/{webhook_id}/rotate",
    "POST /v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
}


def test_every_native_write_route_is_covered(routes):
    writes = {
        str(r) for r in routes if r.surface == "native" and r.method in ("POST", "PATCH", "PUT")
    }
    assert writes == set(WRITES) | BODYLESS


def _filled(body: dict, ids: dict[str, int]) -> dict:
    """``body`` with the owned objects' ids where it holds ``0``."""
    standing = {"item_id": "item", "kit_id": "kit", "device_ids": "device"}
    out = {}
    for key, value in body.items():
        if key in standing and value in (0, [0]):
            value = [ids[standing[key]]] if isinstance(value, list) else ids[standing[key]]
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            value = [_filled(v, ids) for v in value]
        out[key] = value
    return out


@pytest.mark.parametrize("field", list(FORGED))
@pytest.mark.parametrize("route", list(WRITES))
async def test_a_server_owned_field_is_refused_by_name(http, owned, route, field):
    who, body = WRITES[route]
    answer = await http.request(
        parse(route).method,
        url_of(route, owned.ids) if "{" in route else parse(route).path,
        json={**_filled(body, owned.ids), field: FORGED[field]},
        headers=owned.world.auth(who),
    )
    assert pointers(problem(answer, 422)) == {f"/{field}"}


async def test_a_revoke_ignores_server_owned_fields_in_a_body(http, owned):
    admin = owned.world.auth("admin")
    made = await created(
        await http.post(
            "/v1/credentials", json={"name": "to-revoke", "role": "admin"}, headers=admin
        )
    )
    answer = await http.post(f"/v1/credentials/{made['id']}/revoke", json=FORGED, headers=admin)
    assert answer.status_code == 200, answer.text
    stored = (await http.get(f"/v1/credentials/{made['id']}", headers=admin)).json()
    for field in ("id", "created_at", "tenant_id", "version", "status"):
        assert stored.get(field) == made.get(field), field
    assert stored["revoked_at"] is not None


async def test_a_webhook_rotation_ignores_server_owned_fields_in_a_body(http, owned):
    customer = owned.world.auth("customer")
    made = await created(await http.post("/v1/webhooks", json={"url": HOOK}, headers=customer))
    answer = await http.post(f"/v1/webhooks/{made['id']}/rotate", json=FORGED, headers=customer)
    assert answer.status_code == 200, answer.text
    assert answer.json()["secret"] != made["secret"]
    stored = (await http.get(f"/v1/webhooks/{made['id']}", headers=customer)).json()
    for field in ("id", "created_at", "tenant_id", "status"):
        assert stored.get(field) == made.get(field), field
    assert stored["version"] == made["version"] + 1  # the rotation, not 999
    assert stored["previous_secret_expires_at"] is not None


async def test_a_redelivery_ignores_server_owned_fields_in_a_body(
    http,
    owned,
    app_and_sessions: tuple[object, async_sessionmaker[AsyncSession]],
):
    """Once the owned delivery has gone out (to a receiver that takes it), it is sent
    again from a fresh schedule, whatever the body says."""
    _, sessions = app_and_sessions
    customer = owned.world.auth("customer")
    taken = httpx.MockTransport(lambda request: httpx.Response(204))
    assert await Worker(
        sessions, transport=taken, tenants=frozenset({owned.world.tenant_id})
    ).run_once()
    url = f"/v1/webhooks/{owned.ids['webhook']}/deliveries"
    before = {d["id"]: d for d in (await http.get(url, headers=customer)).json()["items"]}
    delivery = before[owned.ids["delivery"]]
    assert delivery["state"] == "delivered", delivery
    answer = await http.post(f"{url}/{delivery['id']}/redeliver", json=FORGED, headers=customer)
    assert answer.status_code == 202, answer.text
    after = {d["id"]: d for d in (await http.get(url, headers=customer)).json()["items"]}
    stored = after[delivery["id"]]
    for field in ("id", "created_at", "event_id", "order_id", "sequence"):
        assert stored[field] == delivery[field], field
    assert (stored["state"], stored["attempts"]) == ("pending", 0)
    assert answer.json() == stored


# --- API2: broken authentication -----------------------------------------------------------

#: A read of each surface that authenticates by bearer (native, RAYTeams, RSO, LabPortal)
#: and Impilo's own header; ``{order}`` and ``{customer}`` are the owned ones.
AUTHENTICATED = {
    "native": ("/v1/orders/{order}", "bearer"),
    "rayteams": (RAYTEAMS + "/order/{order}", "bearer"),
    "labportal": (LABPORTAL + "/commerce/orders/{order}", "bearer"),
    "rso": (RSO + "/orders/customers/{customer}/", "bearer"),
    "impilo": (IMPILO + "/order/{order}", "impilo"),
}
BAD = ("revoked key", "expired key", "garbage", "alg none token", "expired token")


async def _token(http: httpx.AsyncClient, key: str) -> str:
    client_id = "_".join(key.split("_")[:2])
    answer = await http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, key)
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


@pytest.fixture(scope="module")
async def bad_credentials(
    http: httpx.AsyncClient,
    owned: Owned,
    app_and_sessions: tuple[object, async_sessionmaker[AsyncSession]],
) -> dict[str, str]:
    """Each kind of unusable credential, for the owning customer's account."""
    _, sessions = app_and_sessions
    admin = owned.world.auth("admin")
    account = owned.world.accounts["customer"]
    keys = {}
    for name in ("revoked", "expired"):
        soon = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).isoformat()
        made = await created(
            await http.post(
                "/v1/credentials",
                json={"name": name, "role": "customer", "account_id": account, "expires_at": soon},
                headers=admin,
            )
        )
        keys[name] = made["secret"]
        if name == "revoked":
            answer = await http.post(f"/v1/credentials/{made['id']}/revoke", headers=admin)
            assert answer.status_code == 200, answer.text
    async with session_scope(sessions) as session:
        await session.execute(
            update(Credential)
            .where(Credential.secret_hash == hash_secret(keys["expired"]))
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    claims = jwt.decode(
        await _token(http, owned.world.keys["customer"]), options={"verify_signature": False}
    )
    app, _ = app_and_sessions
    from orderdesk.tenancy.tokens import signing_key

    async with session_scope(sessions) as session:
        secret = await signing_key(session, app.state.settings)  # type: ignore[attr-defined]
    now = int(dt.datetime.now(dt.UTC).timestamp())
    return {
        "revoked key": keys["revoked"],
        "expired key": keys["expired"],
        "garbage": "od_0123456789ab_not-a-key-at-all",
        "alg none token": jwt.encode(claims, None, algorithm="none"),
        "expired token": jwt.encode(
            {**claims, "iat": now - 7200, "exp": now - 3600}, secret, algorithm="HS256"
        ),
    }


async def test_the_customers_own_key_is_accepted_on_every_checked_route(http, owned):
    """The control: the routes below answer 200 to a good credential."""
    for surface, (path, form) in AUTHENTICATED.items():
        url = path.format(order=owned.ids["order"], customer=owned.ids["customer_account"])
        key = owned.world.keys["customer"]
        headers = {"Impilo-API-Key": key} if form == "impilo" else owned.world.auth("customer")
        answer = await http.get(url, headers=headers)
        assert answer.status_code == 200, (surface, answer.text)


@pytest.mark.parametrize("surface", list(AUTHENTICATED))
@pytest.mark.parametrize("bad", BAD)
async def test_an_unusable_credential_is_unauthorized(http, owned, bad_credentials, surface, bad):
    path, form = AUTHENTICATED[surface]
    url = path.format(order=owned.ids["order"], customer=owned.ids["customer_account"])
    credential = bad_credentials[bad]
    headers = (
        {"Impilo-API-Key": credential}
        if form == "impilo"
        else {"Authorization": f"Bearer {credential}"}
    )
    answer = await http.get(url, headers=headers)
    assert answer.status_code == 401, answer.text
