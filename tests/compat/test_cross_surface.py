"""An order placed through any surface reads alike through every surface that describes it.

The orders are those ``documents.place_everywhere`` places in the demo tenant
(native, Impilo for a patient and for a site, Record Stack Overflow by POST and
by PUT), some moved on since through another surface. Each is read through the
native API (``GET /v1/orders/{id}``) and through every compatibility surface
that describes it, by its list (Impilo's ``GET /order`` walked to the end, RSO's
customer and merchant lists, RAYTeams' project list) and by its fetch (Impilo,
RAYTeams, labPortal); the list and the fetch answer the same object, and each
reading agrees with the native one on what they share: the id, where the order
stands (open, completed, cancelled), the accounts, the lines, the addresses
where the surface shows them. A surface that cannot describe the order
(PRODUCT.md: an Impilo order has item or kit lines, a Record Stack Overflow
order is made from a record) neither lists nor fetches it.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.compat.documents import (
    CANCELLED,
    COMPLETED,
    IMPILO,
    IMPILO_STATUSES,
    LABPORTAL,
    OPEN,
    ORIGINS,
    RAYTEAMS,
    REQUEST_STATES,
    RSO,
    RSO_STATUSES,
    Check,
    Demo,
    assert_none,
    impilo_describes,
    impilo_pages,
    native_accounts,
    native_class,
    rso_describes,
)

SURFACES = ("impilo", "rso", "rayteams", "labportal")

#: Which surfaces describe each placed order: RAYTeams and labPortal every order; Impilo
#: those with item or kit lines for a patient or a site; RSO those made from a record.
DESCRIBED_BY = {
    "native": {"impilo", "rso", "rayteams", "labportal"},  # items, a kit and a product
    "native-no-recipient": {"rayteams", "labportal"},  # an item, for no patient or site
    "impilo-patient": {"impilo", "rayteams", "labportal"},  # items and a kit, no product
    "impilo-site": {"impilo", "rayteams", "labportal"},  # a kit, no product
    "rso-post": {"rso", "rayteams", "labportal"},  # a record, no item or kit line
    "rso-put": {"rso", "rayteams", "labportal"},
}
DESCRIBED = [(o, s) for o in ORIGINS for s in SURFACES if s in DESCRIBED_BY[o]]
UNDESCRIBED = [(o, s) for o in ORIGINS for s in SURFACES if s not in DESCRIBED_BY[o]]


async def _native(http: httpx.AsyncClient, demo: Demo, ident: int) -> dict[str, Any]:
    response = await http.get(f"/v1/orders/{ident}", headers=demo.bearer("admin"))
    assert response.status_code == 200, response.text
    return response.json()


def _placer(demo: Demo, native: dict[str, Any]) -> str:
    """The key of the customer that placed the order."""
    return next(k for k, v in demo.accounts.items() if v == native["customer_account_id"])


# --- reading an order through each surface: [(how it was read, the object)] ---------------


async def _impilo(http: httpx.AsyncClient, demo: Demo, native: dict[str, Any]) -> list:
    who, ident = _placer(demo, native), native["id"]
    pages = await impilo_pages(http, demo.impilo_key(who), size=50)
    listed = [o for page in pages for o in page["content"] if o.get("id") == ident]
    fetched = await http.get(f"{IMPILO}/order/{ident}", headers=demo.impilo_key(who))
    readings = [(f"GET /order ({who})", o) for o in listed]
    if fetched.status_code == 200:
        readings.append((f"GET /order/{ident} ({who})", fetched.json()))
    return readings


async def _rso(http: httpx.AsyncClient, demo: Demo, native: dict[str, Any]) -> list:
    who = _placer(demo, native)
    readings = []
    for key, path in (
        (who, f"/orders/customers/{native['customer_account_id']}/"),
        ("supplier", f"/orders/merchants/{native['supplier_account_id']}/"),
    ):
        response = await http.get(f"{RSO}{path}", headers=demo.bearer(key))
        assert response.status_code == 200, response.text
        readings.extend(
            (f"GET {path} ({key})", o) for o in response.json() if o.get("_id") == str(native["id"])
        )
    return readings


async def _rayteams(http: httpx.AsyncClient, demo: Demo, native: dict[str, Any]) -> list:
    who, ident = _placer(demo, native), native["id"]
    readings = []
    fetched = await http.get(f"{RAYTEAMS}/order/{ident}", headers=demo.bearer(who))
    if fetched.status_code == 200:
        readings.append((f"GET /order/{ident} ({who})", fetched.json()["data"]))
    project = native["project_id"]
    listed = await http.get(f"{RAYTEAMS}/project/{project}/orders", headers=demo.bearer(who))
    assert listed.status_code == 200, listed.text
    readings.extend(
        (f"GET /project/{project}/orders ({who})", o)
        for o in listed.json()["data"]
        if o.get("_id") == str(ident)
    )
    return readings


async def _labportal(http: httpx.AsyncClient, demo: Demo, native: dict[str, Any]) -> list:
    readings = []
    for who in (_placer(demo, native), "supplier", "admin"):
        fetched = await http.get(
            f"{LABPORTAL}/commerce/orders/{native['id']}", headers=demo.bearer(who)
        )
        if fetched.status_code == 200:
            readings.append((f"GET commerce/orders/{native['id']} ({who})", fetched.json()))
    return readings


READ = {"impilo": _impilo, "rso": _rso, "rayteams": _rayteams, "labportal": _labportal}


# --- what each surface shares with the native order -----------------------------------------


def _lines(native: dict[str, Any], kind: str) -> Counter:
    return Counter((line[kind]["id"], line["count"]) for line in native["lines"] if line[kind])


_IMPILO_ADDRESS = {
    "lineOne": "line_one",
    "lineTwo": "line_two",
    "lineThree": "line_three",
    "city": "city",
    "state": "state",
    "zipCode": "zip_code",
    "country": "country",
    "note": "note",
}


def _impilo_address(check: Check, shown: Any, native: Any, where: str) -> None:
    if native is None:
        check.equal(shown, None, where)
        return
    for name, core in _IMPILO_ADDRESS.items():
        check.equal((shown or {}).get(name), native.get(core), f"{where}/{name}")


def _agree_impilo(check: Check, order: dict[str, Any], native: dict[str, Any], _: Any) -> None:
    check.equal(order.get("id"), native["id"], "/id")
    check.equal(IMPILO_STATUSES.get(order.get("currentStatus")), native_class(native), "/class")
    for name in ("patient", "site"):
        shown = order.get(name)
        expected = native[name]
        check.equal((shown or {}).get("id"), (expected or {}).get("id"), f"/{name}/id")
        if isinstance(shown, dict) and expected is not None:
            _impilo_address(check, shown.get("address"), expected["address"], f"/{name}/address")
    shown_items = Counter(
        (line["item"]["id"], line["count"]) for line in order.get("orderItems") or []
    )
    check.equal(shown_items, _lines(native, "item"), "/orderItems")
    shown_kits = Counter(
        (line["kit"]["id"], line["count"]) for line in order.get("orderKits") or []
    )
    check.equal(shown_kits, _lines(native, "kit"), "/orderKits")
    check.equal(order.get("externalOrderIds"), native["external_order_ids"], "/externalOrderIds")
    check.equal(order.get("shippingOption"), native["shipping_option"], "/shippingOption")
    check.equal(
        [(t.get("carrier"), t.get("value")) for t in order.get("trackingNumbers") or []],
        [(t["carrier"], t["value"]) for t in native["tracking_numbers"]],
        "/trackingNumbers",
    )
    check.equal(
        [n.get("note") for n in order.get("orderNotes") or []],
        [n["text"] for n in native["notes"]],
        "/orderNotes",
    )


_RSO_GROUPS = (
    (
        "shipping_info",
        "shipping_address",
        {
            "shipping_address1": "line_one",
            "shipping_address2": "line_two",
            "shipping_city": "city",
            "shipping_state": "state",
            "shipping_zip": "zip_code",
        },
    ),
    (
        "billing_info",
        "billing_address",
        {
            "paypal_email": "email",
            "billing_address1": "line_one",
            "billing_address2": "line_two",
            "billing_city": "city",
            "billing_state": "state",
            "billing_zip": "zip_code",
        },
    ),
)


def _agree_rso(check: Check, order: dict[str, Any], native: dict[str, Any], accounts: Any) -> None:
    check.equal(order.get("_id"), str(native["id"]), "/_id")
    check.equal(RSO_STATUSES.get(order.get("status")), native_class(native), "/class")
    check.equal(order.get("_createdBy"), str(native["customer_account_id"]), "/_createdBy")
    check.equal(order.get("merchant_id"), str(native["supplier_account_id"]), "/merchant_id")
    check.equal(order.get("record_id"), str((native["product"] or {}).get("id")), "/record_id")
    check.equal(order.get("comments"), native["comments"], "/comments")
    customer = accounts[native["customer_account_id"]]
    for group, source, names in _RSO_GROUPS:
        address = native[source] or customer[source] or {}
        shown = order.get(group) or [{}]
        for vendor, core in names.items():
            value = address.get(core)
            expected = "" if value is None else value
            check.equal(shown[0].get(vendor), expected, f"/{group}/0/{vendor}")


def _agree_rayteams(check: Check, order: dict[str, Any], native: dict[str, Any], _: Any) -> None:
    check.equal(order.get("_id"), str(native["id"]), "/_id")
    check.equal(order.get("statusType"), native["status"]["type"], "/statusType")
    shown_open = order.get("statusType") in ("NEW", "INPROGRESS")
    check.equal(shown_open, native_class(native) == OPEN, "/class (open)")
    check.equal(order.get("ownerGroupId"), str(native["customer_account_id"]), "/ownerGroupId")
    check.equal(order.get("labId"), str(native["supplier_account_id"]), "/labId")
    check.equal(order.get("projectId"), str(native["project_id"]), "/projectId")
    check.equal(order.get("memo"), native["memo"] or "", "/memo")
    product, made_from = order.get("product"), native["product"]
    check.equal(product is None, made_from is None, "/product is null")
    if isinstance(product, dict) and made_from is not None:
        check.equal(product.get("productname"), made_from["name"], "/product/productname")
        price = product.get("price")
        shown = Decimal(str(price)) if isinstance(price, int | float) else price
        check.equal(shown, Decimal(made_from["price"]), "/product/price")
    patient = native["patient"]
    expected_patient_id = (patient or {}).get("external_identifier") or ""
    check.equal(order.get("patientId"), expected_patient_id, "/patientId")


def _agree_labportal(check: Check, order: dict[str, Any], native: dict[str, Any], _: Any) -> None:
    check.equal(order.get("Id"), native["id"], "/Id")
    state = REQUEST_STATES.get(order.get("Status"))  # type: ignore[arg-type]
    check.equal(state[1] if state else None, native_class(native), "/class")
    check.equal(order.get("Email"), native["customer"]["email"], "/Email")
    check.equal(order.get("Filter"), native["tags"], "/Filter")
    check.equal(order.get("Data"), native["data"], "/Data")
    check.equal(
        [(i.get("Id"), i.get("SuiteCodes"), i.get("DetCodes")) for i in order.get("Items") or []],
        [(n["id"], n["suite_codes"], n["determination_codes"]) for n in native["lines"]],
        "/Items",
    )


AGREE = {
    "impilo": _agree_impilo,
    "rso": _agree_rso,
    "rayteams": _agree_rayteams,
    "labportal": _agree_labportal,
}
#: How many readings each surface gives of an order it describes (lists and fetches).
READINGS = {"impilo": 2, "rso": 2, "rayteams": 2, "labportal": 3}


# --- the tests ------------------------------------------------------------------------------


async def test_moves_made_through_record_stack_overflow_show_natively(
    demo_client: httpx.AsyncClient, demo: Demo
) -> None:
    """``place_everywhere`` completes one RSO order by ``PUT`` and cancels one by ``DELETE``."""
    completed = await _native(demo_client, demo, demo.placed["rso-post"])
    cancelled = await _native(demo_client, demo, demo.placed["rso-put"])
    assert (native_class(completed), native_class(cancelled)) == (COMPLETED, CANCELLED)


@pytest.mark.parametrize("origin", ORIGINS)
async def test_a_placed_order_is_read_natively_by_each_party(
    demo_client: httpx.AsyncClient, demo: Demo, origin: str
) -> None:
    ident = demo.placed[origin]
    native = await _native(demo_client, demo, ident)
    for who in (_placer(demo, native), "supplier", "admin"):
        response = await demo_client.get(f"/v1/orders/{ident}", headers=demo.bearer(who))
        assert response.status_code == 200, (who, response.text)
        mine = response.json()
        assert {k: v for k, v in mine.items() if k != "transitions"} == {
            k: v for k, v in native.items() if k != "transitions"
        }, who
    # What the surfaces' rules depend on is what each origin placed.
    assert impilo_describes(native) == ("impilo" in DESCRIBED_BY[origin])
    assert rso_describes(native) == ("rso" in DESCRIBED_BY[origin])


@pytest.mark.parametrize(("origin", "surface"), DESCRIBED)
async def test_a_placed_order_reads_alike_through_a_surface_that_describes_it(
    demo_client: httpx.AsyncClient, demo: Demo, origin: str, surface: str
) -> None:
    native = await _native(demo_client, demo, demo.placed[origin])
    readings = await READ[surface](demo_client, demo, native)
    assert len(readings) == READINGS[surface], [how for how, _ in readings]
    first = readings[0][1]
    differ = [how for how, order in readings if order != first]
    assert not differ, f"{readings[0][0]} and {differ} answer different objects"
    accounts = await native_accounts(demo_client, demo)
    check = Check(f"order {native['id']} placed by {origin}, read by {surface}")
    AGREE[surface](check, first, native, accounts)
    assert_none(check.problems, f"{surface} against the native order")


@pytest.mark.parametrize(("origin", "surface"), UNDESCRIBED)
async def test_a_placed_order_is_neither_listed_nor_fetched_where_it_cannot_be_described(
    demo_client: httpx.AsyncClient, demo: Demo, origin: str, surface: str
) -> None:
    native = await _native(demo_client, demo, demo.placed[origin])
    readings = await READ[surface](demo_client, demo, native)
    assert readings == [], [how for how, _ in readings]
    if surface == "impilo":
        fetched = await demo_client.get(
            f"{IMPILO}/order/{native['id']}", headers=demo.impilo_key(_placer(demo, native))
        )
        assert fetched.status_code == 404, fetched.text
