"""Impilo v3 (seeds 002 and 003), from the documents alone, over every order it lists.

For each key (both customers, the supplier, the admin) ``GET /order`` is walked
page by page to the end over the demo tenant (``conftest.demo``); every order
on every page is checked against the guide's order model and the reference's
rules, and against the fetch of the same id.

How the samples are read: the guide's sample orders are generated samples of
the model (seeds/README: they fill every attribute, ``patient`` and ``site``
both), and the reference (003) marks every attribute "Optional". So every
attribute the model shows must be present, with the model's type; the order's
own attributes (its id, status, lists, shipping option) are never null, while
the descriptive attributes of the patient, site, item and note author it
embeds (an address line, a phone number, an item's model, a name withheld as
PHI) may be null where there is no value.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.compat.documents import (
    ARRAY,
    BOOLEAN,
    DATE,
    IMPILO,
    IMPILO_STATUSES,
    INTEGER,
    KEYS,
    OBJECT,
    STRING,
    UTC_INSTANT,
    Check,
    Demo,
    assert_none,
    assert_same_ids,
    blank_id,
    impilo_describes,
    impilo_pages,
    native_orders,
    run,
)

#: Small enough for several pages per key, with a short last one.
PAGE_SIZE = 7


# --- the walks --------------------------------------------------------------------------------


class Walks:
    """Every page of ``GET /order`` per key, and what the native API shows that key."""

    def __init__(self) -> None:
        self.pages: dict[str, list[dict[str, Any]]] = {}
        self.native: dict[str, list[dict[str, Any]]] = {}

    def orders(self, who: str) -> list[dict[str, Any]]:
        return [order for page in self.pages[who] for order in page["content"]]

    def everywhere(self) -> list[tuple[str, dict[str, Any]]]:
        """Every order walked, named by its id and whose list it was on."""
        return [
            (f"order {order.get('id')} ({who}'s list)", order)
            for who in self.pages
            for order in self.orders(who)
        ]


@pytest.fixture(scope="module")
async def walks(demo_client: httpx.AsyncClient, demo: Demo) -> Walks:
    walks = Walks()
    for who in KEYS:
        walks.pages[who] = await impilo_pages(demo_client, demo.impilo_key(who), PAGE_SIZE)
        walks.native[who] = await native_orders(demo_client, demo, who)
    return walks


# --- the order model (002) ----------------------------------------------------------------------


def _address(check: Check, obj: dict[str, Any], where: str) -> None:
    # "address": {"city": "foo", "country": "foo", "lineOne": "foo", "state": "foo",
    #             "zipCode": "foo", "lineThree": "foo", "lineTwo": "foo", "note": "foo"}
    for name in ("city", "country", "lineOne", "state", "zipCode", "lineThree", "lineTwo", "note"):
        check.field(obj, where, name, STRING, nullable=True)


def _site(check: Check, site: dict[str, Any], where: str) -> None:
    # "site": {"active": true, "address": {...}, "id": 1, "name": "foo", "phoneNumber": "foo"}
    check.field(site, where, "active", BOOLEAN)
    address = check.field(site, where, "address", OBJECT, nullable=True)
    if address is not None:
        _address(check, address, f"{where}/address")
    check.field(site, where, "id", INTEGER)
    check.field(site, where, "name", STRING)
    check.field(site, where, "phoneNumber", STRING, nullable=True)


def _patient(check: Check, patient: dict[str, Any], where: str) -> None:
    # "patient": {"firstName": "John", "lastName": "Doe", "address": {...}, "archived": true,
    #   "dateOfBirth": "1980-01-01", "email": "john.doe@example.com", "enrolled": true,
    #   "externalIdentifier": "1234abcd", "id": 1, "phoneNumber": "+1234567890",
    #   "sex": "unknown", "site": {...}}
    check.field(patient, where, "firstName", STRING, nullable=True)  # PHI: may be withheld
    check.field(patient, where, "lastName", STRING, nullable=True)  # PHI: may be withheld
    address = check.field(patient, where, "address", OBJECT, nullable=True)
    if address is not None:
        _address(check, address, f"{where}/address")
    check.field(patient, where, "archived", BOOLEAN)
    born = check.field(patient, where, "dateOfBirth", STRING, nullable=True)  # PHI
    check.matches(born, f"{where}/dateOfBirth", DATE, "a date like 1980-01-01")
    check.field(patient, where, "email", STRING, nullable=True)
    check.field(patient, where, "enrolled", BOOLEAN)
    check.field(patient, where, "externalIdentifier", STRING, nullable=True)
    check.field(patient, where, "id", INTEGER)
    check.field(patient, where, "phoneNumber", STRING, nullable=True)
    check.field(patient, where, "sex", STRING)
    site = check.field(patient, where, "site", OBJECT, nullable=True)
    if site is not None:
        _site(check, site, f"{where}/site")


def _item(check: Check, item: dict[str, Any], where: str) -> None:
    # "item": {"id": 1, "manufacturer": {"id": 1, "name": "foo"}, "model": "foo",
    #          "name": "foo", "orderable": true, "sku": "foo"}
    check.field(item, where, "id", INTEGER)
    maker = check.field(item, where, "manufacturer", OBJECT, nullable=True)
    if maker is not None:
        check.field(maker, f"{where}/manufacturer", "id", INTEGER)
        check.field(maker, f"{where}/manufacturer", "name", STRING)
    check.field(item, where, "model", STRING, nullable=True)
    check.field(item, where, "name", STRING)
    check.field(item, where, "orderable", BOOLEAN)
    check.field(item, where, "sku", STRING)


def _kit(check: Check, kit: dict[str, Any], where: str) -> None:
    # "kit": {"archived": true, "id": 42, "kitItems": [{"count": 42,
    #         "drivesExternalIdentifier": true, "item": {...}}], "name": "foo"}
    check.field(kit, where, "archived", BOOLEAN)
    check.field(kit, where, "id", INTEGER)
    for path, kit_item in check.elements(kit, where, "kitItems", OBJECT):
        check.field(kit_item, path, "count", INTEGER)
        check.field(kit_item, path, "drivesExternalIdentifier", BOOLEAN)
        item = check.field(kit_item, path, "item", OBJECT)
        if item is not None:
            _item(check, item, f"{path}/item")
    check.field(kit, where, "name", STRING)


def _device(check: Check, device: dict[str, Any], where: str) -> None:
    # {"currentPatient": {...}, "currentStatus": "foo", "deviceEvents": [{"eventTimestamp":
    #  "foo", "type": "foo"}], "deviceIdentifiers": [{"type": "foo", "value": "foo"}],
    #  "disabledReadings": false, "externalIdentifier": "1d23-4567-89ab-cdef", "id": 1,
    #  "item": {...}, "lastHealthCheck": "2023-10-01T12:00:00Z", "site": {...}, "used": true}
    patient = check.field(device, where, "currentPatient", OBJECT, nullable=True)
    if patient is not None:
        _patient(check, patient, f"{where}/currentPatient")
    check.field(device, where, "currentStatus", STRING)
    for path, event in check.elements(device, where, "deviceEvents", OBJECT):
        at = check.field(event, path, "eventTimestamp", STRING)
        check.matches(at, f"{path}/eventTimestamp", UTC_INSTANT, "ISO 8601 in UTC")
        check.field(event, path, "type", STRING)
    for path, identifier in check.elements(device, where, "deviceIdentifiers", OBJECT):
        check.field(identifier, path, "type", STRING)
        check.field(identifier, path, "value", STRING)
    check.field(device, where, "disabledReadings", BOOLEAN)
    check.field(device, where, "externalIdentifier", STRING, nullable=True)
    check.field(device, where, "id", INTEGER)
    item = check.field(device, where, "item", OBJECT)
    if item is not None:
        _item(check, item, f"{where}/item")
    checked = check.field(device, where, "lastHealthCheck", STRING, nullable=True)
    if checked is not None:
        check.matches(checked, f"{where}/lastHealthCheck", UTC_INSTANT, "ISO 8601 in UTC")
    site = check.field(device, where, "site", OBJECT, nullable=True)
    if site is not None:
        _site(check, site, f"{where}/site")
    check.field(device, where, "used", BOOLEAN)


def order_model(check: Check, order: dict[str, Any]) -> None:
    """Every attribute of the guide's order model, with its type (see the module docstring)."""
    # "currentStatus": "reconfirmAddress" (its values: ``current_status_is_an_impilo_status``)
    check.field(order, "", "currentStatus", STRING)
    # "devices": [{...}]: the devices sent outside a packed kit
    for path, device in check.elements(order, "", "devices", OBJECT):
        _device(check, device, path)
    # "emailLabel": true
    check.field(order, "", "emailLabel", BOOLEAN)
    # "externalOrderIds": ["foo"]; 003: "externalOrderIds list of strings"
    check.elements(order, "", "externalOrderIds", STRING)
    # "id": 42; 003: "id integer: Unique identifier for the order"
    check.field(order, "", "id", INTEGER)
    # "orderEvents": [{"eventTimestamp": "foo", "name": "foo"}]
    for path, event in check.elements(order, "", "orderEvents", OBJECT):
        check.field(event, path, "eventTimestamp", STRING)
        check.field(event, path, "name", STRING)
    # "orderItems": [{"count": 42, "item": {...}}]
    for path, line in check.elements(order, "", "orderItems", OBJECT):
        check.field(line, path, "count", INTEGER)
        item = check.field(line, path, "item", OBJECT)
        if item is not None:
            _item(check, item, f"{path}/item")
    # "orderKits": [{"count": 42, "kit": {...}}]
    for path, line in check.elements(order, "", "orderKits", OBJECT):
        check.field(line, path, "count", INTEGER)
        kit = check.field(line, path, "kit", OBJECT)
        if kit is not None:
            _kit(check, kit, f"{path}/kit")
    # "orderNotes": [{"createdAt": "foo", "createdBy": {"email": "foo", "firstName": "foo",
    #                 "id": 42, "lastName": "foo"}, "note": "foo"}]
    for path, note in check.elements(order, "", "orderNotes", OBJECT):
        created = check.field(note, path, "createdAt", STRING)
        # A time, written like the model's one filled-in time: "2023-10-01T12:00:00Z".
        check.matches(created, f"{path}/createdAt", UTC_INSTANT, "ISO 8601 in UTC")
        author = check.field(note, path, "createdBy", OBJECT)
        if author is not None:
            for name, kind in (
                ("email", STRING),
                ("firstName", STRING),
                ("id", INTEGER),
                ("lastName", STRING),
            ):
                check.field(author, f"{path}/createdBy", name, kind, nullable=True)
        check.field(note, path, "note", STRING)
    # "packedKits": [{"devices": [{...}], "externalIdentifier": "foo", "id": 42, "kit": {...}}]
    for path, packed in check.elements(order, "", "packedKits", OBJECT):
        for inner, device in check.elements(packed, path, "devices", OBJECT):
            _device(check, device, inner)
        check.field(packed, path, "externalIdentifier", STRING, nullable=True)
        check.field(packed, path, "id", INTEGER)
        kit = check.field(packed, path, "kit", OBJECT)
        if kit is not None:
            _kit(check, kit, f"{path}/kit")
    # "patient": {...}; exactly one of patient / site: ``exactly_one_of_patient_or_site``
    patient = check.field(order, "", "patient", OBJECT, nullable=True)
    if patient is not None:
        _patient(check, patient, "/patient")
    # "returnDevices": [{"id": 42}], "returnItems": [{"count": 42, "id": 42}],
    # "returnPackedKits": [{"id": 42, "quantity": 42}]
    for path, back in check.elements(order, "", "returnDevices", OBJECT):
        check.field(back, path, "id", INTEGER)
    for path, back in check.elements(order, "", "returnItems", OBJECT):
        check.field(back, path, "count", INTEGER)
        check.field(back, path, "id", INTEGER)
    for path, back in check.elements(order, "", "returnPackedKits", OBJECT):
        check.field(back, path, "id", INTEGER)
        check.field(back, path, "quantity", INTEGER)
    # 003: 'shippingOption "standard" or "overnight" ... Allowed values: standard overnight'
    option = check.field(order, "", "shippingOption", STRING)
    check.one_of(option, "/shippingOption", ("standard", "overnight"))
    # "site": {...}
    site = check.field(order, "", "site", OBJECT, nullable=True)
    if site is not None:
        _site(check, site, "/site")
    # "trackingNumbers": [{"carrier": "usps", "value": "foo"}]
    for path, tracking in check.elements(order, "", "trackingNumbers", OBJECT):
        check.field(tracking, path, "carrier", STRING)
        check.field(tracking, path, "value", STRING)


def one_recipient(check: Check, order: dict[str, Any]) -> None:
    # 003: "patient ... Exactly one of patient or site must be not null."
    given = [name for name in ("patient", "site") if order.get(name) is not None]
    check.expect(len(given) == 1, "", f"is for {given or 'neither patient nor site'}")


def has_content(check: Check, order: dict[str, Any]) -> None:
    # 003: "orderItems ... At least one of orderItems or orderKits must be not null."
    # 002: "Your order must include at least one of the following: orderItems ... orderKits"
    lines = (order.get("orderItems") or []) + (order.get("orderKits") or [])
    check.expect(bool(lines), "", "has neither orderItems nor orderKits")


def known_status(check: Check, order: dict[str, Any]) -> None:
    # 003: "currentStatus enum: The current status of the order"
    check.one_of(order.get("currentStatus"), "/currentStatus", IMPILO_STATUSES)


def status_updates(check: Check, order: dict[str, Any]) -> None:
    # 003: "orderEvents list of objects: Array of order events. These are the status updates
    # for the order." Each names the status the order reached, at an ISO 8601 UTC time.
    for i, event in enumerate(order.get("orderEvents") or []):
        check.one_of(event.get("name"), f"/orderEvents/{i}/name", IMPILO_STATUSES)
        check.matches(
            event.get("eventTimestamp"),
            f"/orderEvents/{i}/eventTimestamp",
            UTC_INSTANT,
            "ISO 8601 in UTC",
        )


# --- the lists ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", KEYS)
def test_every_page_is_walked_to_the_last_and_says_where_it_is(walks: Walks, who: str) -> None:
    # 002 "Listing Orders ... supports pagination": {content, first, last, page, size, total}
    pages = walks.pages[who]
    check = Check(f"{who}'s list")
    start = pages[0].get("page")
    walked = sum(len(page.get("content", [])) for page in pages)
    for n, page in enumerate(pages):
        where = f"/page {n + 1}"
        check.field(page, where, "content", ARRAY)
        for name, kind in (("first", BOOLEAN), ("last", BOOLEAN)):
            check.field(page, where, name, kind)
        for name in ("page", "size", "total"):
            check.field(page, where, name, INTEGER)
        check.equal(page.get("first"), n == 0, f"{where}/first")
        check.equal(page.get("last"), n == len(pages) - 1, f"{where}/last")
        if isinstance(start, int):
            check.equal(page.get("page"), start + n, f"{where}/page")
        check.equal(page.get("size"), PAGE_SIZE, f"{where}/size")
        check.equal(page.get("total"), walked, f"{where}/total")
        if n < len(pages) - 1:
            check.equal(len(page.get("content", [])), PAGE_SIZE, f"{where}/content length")
    ids = [order.get("id") for order in walks.orders(who)]
    check.expect(len(ids) == len(set(ids)), "", "lists an order more than once")
    assert_none(check.problems, f"GET /order pages for the {who} key")


@pytest.mark.parametrize("who", KEYS)
def test_lists_and_counts_exactly_the_orders_with_item_or_kit_lines(walks: Walks, who: str) -> None:
    # Decision: Impilo describes only orders with at least one item or kit line, and list
    # totals count only those. The native API shows every order the key may see.
    expected = [o["id"] for o in walks.native[who] if impilo_describes(o)]
    assert expected, "the demo gives every key orders with items or kits"
    listed = [order["id"] for order in walks.orders(who)]
    assert_same_ids(listed, expected)
    assert {page["total"] for page in walks.pages[who]} == {len(expected)}


def test_every_listed_order_has_the_model_s_attributes_and_types(walks: Walks) -> None:
    assert_none(run(order_model, walks.everywhere()), "Impilo order model")


def test_the_walk_shows_devices_packed_kits_and_returns_to_check(walks: Walks) -> None:
    # The model checks above prove something only where these lists have elements.
    orders = walks.orders("admin")
    for name in ("devices", "packedKits", "returnDevices"):
        assert any(order[name] for order in orders), name
    assert any(kit["devices"] for order in orders for kit in order["packedKits"])


def test_every_listed_order_is_for_exactly_one_of_patient_or_site(walks: Walks) -> None:
    assert_none(run(one_recipient, walks.everywhere()), "exactly one of patient or site")


def test_every_listed_order_has_order_items_or_order_kits(walks: Walks) -> None:
    assert_none(run(has_content, walks.everywhere()), "at least one of orderItems/orderKits")


def test_current_status_is_an_impilo_status(walks: Walks) -> None:
    assert_none(run(known_status, walks.everywhere()), "currentStatus")


def test_order_events_are_status_updates_at_utc_times(walks: Walks) -> None:
    assert_none(run(status_updates, walks.everywhere()), "orderEvents")


# --- fetch by id ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", KEYS)
async def test_fetch_by_id_answers_the_object_the_list_shows(
    demo_client: httpx.AsyncClient, demo: Demo, walks: Walks, who: str
) -> None:
    # 002 "Fetching a Single Order ... using its unique identifier"
    differ = []
    for order in walks.orders(who):
        response = await demo_client.get(
            f"{IMPILO}/order/{order['id']}", headers=demo.impilo_key(who)
        )
        if response.status_code != 200 or response.json() != order:
            differ.append((order["id"], response.status_code))
    assert not differ, f"fetch differs from the list for (id, status): {differ}"


def _as_missing(response: httpx.Response, ident: int) -> dict[str, Any]:
    """An Impilo error body without what names the id or the moment."""
    body = blank_id(response.json(), ident)
    body.pop("timestamp", None)
    return body


@pytest.mark.parametrize("who", KEYS)
async def test_orders_without_item_or_kit_lines_are_a_404_like_a_missing_id(
    demo_client: httpx.AsyncClient, demo: Demo, walks: Walks, who: str
) -> None:
    # Decision: any order id Impilo does not describe is a 404 like a missing id.
    headers = demo.impilo_key(who)
    missing_id = 10**15
    missing = await demo_client.get(f"{IMPILO}/order/{missing_id}", headers=headers)
    assert missing.status_code == 404, missing.text
    undescribed = [o["id"] for o in walks.native[who] if not impilo_describes(o)]
    assert undescribed, "the demo gives every key orders made only from a product"
    answered = {}
    for ident in undescribed:
        response = await demo_client.get(f"{IMPILO}/order/{ident}", headers=headers)
        if response.status_code != 404 or _as_missing(response, ident) != _as_missing(
            missing, missing_id
        ):
            answered[ident] = response.status_code
    assert not answered, f"answered unlike a missing id (id: status): {answered}"
