"""Record Stack Overflow (seed 004), from the document alone, over every order it lists.

Each list the document has (a customer's, a merchant's) is walked for each key
that may read it (each customer its own, the merchant its own, the admin all
three) over the demo tenant (``conftest.demo``), ``limit`` at a time by
``offset`` to the end and also whole; every order object on them is checked
against the document's "Orders object example" and attribute table, and
against what the native API says of the same order.

Decisions asserted here: the surface describes only orders made from a record
(a supplier's product), and counts only those; ``record_id`` is that product's
id; ``shipping_info`` and ``billing_info`` are always one-element arrays with
every documented key, strings ("" when unknown), from the order's addresses
and otherwise the customer account's registered ones; ``customer_info`` and
``merchant_info`` are one-element arrays from the two accounts; ``limit`` is
any positive integer, all by default; other orders are a 404 to PUT and
DELETE, like a missing id.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.api.builders import make_catalog, make_order, read_order
from tests.compat.documents import (
    ARRAY,
    INTEGER,
    KEYS,
    OBJECT,
    RSO,
    RSO_STATUSES,
    STRING,
    Check,
    Demo,
    RsoPage,
    assert_none,
    assert_same_ids,
    blank_id,
    native_accounts,
    native_orders,
    rso_describes,
    rso_pages,
    run,
)
from tests.conftest import World

#: Small enough for several pages per list, with a short last one.
LIMIT = 4

#: The lists and who reads them: (key, "customers" or "merchants", whose list).
LISTS = [
    ("customer", "customers", "customer"),
    ("customer_other", "customers", "customer_other"),
    ("supplier", "merchants", "supplier"),
    ("admin", "customers", "customer"),
    ("admin", "customers", "customer_other"),
    ("admin", "merchants", "supplier"),
]
LIST_IDS = [f"{who} reads {whose}'s" for who, _, whose in LISTS]

# "customer_info": [{"username": ..., "email": ..., "firstName": ..., "lastName": ...}]
CUSTOMER_INFO = ("username", "email", "firstName", "lastName")
# The shipping_info rows of the attribute table, and the core address field each names.
SHIPPING_INFO = {
    "shipping_address1": "line_one",
    "shipping_address2": "line_two",
    "shipping_city": "city",
    "shipping_state": "state",
    "shipping_zip": "zip_code",
}
# The billing_info rows ("paypal_email: The registered PayPal email address ...").
BILLING_INFO = {
    "paypal_email": "email",
    "billing_address1": "line_one",
    "billing_address2": "line_two",
    "billing_city": "city",
    "billing_state": "state",
    "billing_zip": "zip_code",
}
# The merchant_info rows: merchant_id, companyName, primaryContact, phoneNumber.
MERCHANT_INFO = ("merchant_id", "companyName", "primaryContact", "phoneNumber")

#: 'created_date ... The date is system-generated in GMT format YYYY-MM-DDThh:mmTZD',
#: e.g. "2019-02-12T02:16:49.482Z" (W3C date-time; GMT: the zone designator is Z).
CREATED_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z")


# --- the walks --------------------------------------------------------------------------------


class Walks:
    def __init__(self) -> None:
        self.pages: dict[tuple[str, str, str], list[RsoPage]] = {}
        self.whole: dict[tuple[str, str, str], RsoPage] = {}
        self.native: dict[str, list[dict[str, Any]]] = {}
        self.accounts: dict[int, dict[str, Any]] = {}

    @property
    def by_id(self) -> dict[str, dict[str, Any]]:
        """Every order of the tenant as the native API shows it, by the id RSO names it."""
        return {str(o["id"]): o for o in self.native["admin"]}

    def everywhere(self) -> list[tuple[str, dict[str, Any]]]:
        return [
            (f"order {order.get('_id')} ({who} reads {whose}'s)", order)
            for (who, _, whose), pages in self.pages.items()
            for page in pages
            for order in page.orders
        ]


def _path(demo: Demo, kind: str, whose: str) -> str:
    return f"/orders/{kind}/{demo.accounts[whose]}/"


@pytest.fixture(scope="module")
async def walks(demo_client: httpx.AsyncClient, demo: Demo) -> Walks:
    walks = Walks()
    for who, kind, whose in LISTS:
        path = _path(demo, kind, whose)
        headers = demo.bearer(who)
        walks.pages[(who, kind, whose)] = await rso_pages(demo_client, path, headers, LIMIT)
        whole = await demo_client.get(f"{RSO}{path}", headers=headers)
        assert whole.status_code == 200, whole.text
        walks.whole[(who, kind, whose)] = RsoPage(whole.json(), whole.headers.get("x-total-count"))
    for who in KEYS:
        walks.native[who] = await native_orders(demo_client, demo, who)
    walks.accounts = await native_accounts(demo_client, demo)
    return walks


# --- the order object ---------------------------------------------------------------------


def order_fields(check: Check, order: dict[str, Any]) -> None:
    """The order object's own fields, with the document's types."""
    # "status | Describes the stage in order fulfillment. ... | String"
    check.field(order, "", "status", STRING)
    # "_id | The unique system-generated order ID | String"
    check.field(order, "", "_id", STRING)
    # "product_info / record_id | The ID of the record object that was turned into an
    # order. | String"
    check.field(order, "", "record_id", STRING)
    # "merchant_id": "<merchantID>"
    check.field(order, "", "merchant_id", STRING)
    # "customer_info", "shipping_info", "billing_info", "merchant_info": arrays (see
    # ``info_groups`` for what they hold)
    for group in ("customer_info", "shipping_info", "billing_info", "merchant_info"):
        check.field(order, "", group, ARRAY)
    # "comments | Additional notes about the order. | Array of Strings"
    check.elements(order, "", "comments", STRING)
    # "_createdBy | The ID of the customer ...": "_createdBy": "<customerID>"
    check.field(order, "", "_createdBy", STRING)
    # "created_date | ... GMT format YYYY-MM-DDThh:mmTZD | Date"
    created = check.field(order, "", "created_date", STRING)
    check.matches(created, "/created_date", CREATED_DATE, "GMT YYYY-MM-DDThh:mmTZD")
    # "__v": 0
    version = check.field(order, "", "__v", INTEGER)
    if version is not None:
        check.expect(version >= 0, "/__v", f"is {version}, a negative count")


def info_groups(check: Check, order: dict[str, Any]) -> None:
    """Decision: each group is a one-element array holding every documented key, a String."""
    for group, keys in (
        ("customer_info", CUSTOMER_INFO),
        ("shipping_info", tuple(SHIPPING_INFO)),
        ("billing_info", tuple(BILLING_INFO)),
        ("merchant_info", MERCHANT_INFO),
    ):
        elements = check.elements(order, "", group, OBJECT)
        values = order.get(group)
        if isinstance(values, list):
            check.expect(len(values) == 1, f"/{group}", f"has {len(values)} elements, not 1")
        for path, element in elements:
            for key in keys:
                check.field(element, path, key, STRING)


def status_value(check: Check, order: dict[str, Any]) -> None:
    # 'Possible values are "In progress", "Completed", or "Cancelled".'
    check.one_of(order.get("status"), "/status", RSO_STATUSES)


# --- the lists ------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "kind", "whose"), LISTS, ids=LIST_IDS)
def test_limit_and_offset_walk_the_whole_list_to_the_end(
    walks: Walks, who: str, kind: str, whose: str
) -> None:
    # "limit | The number of record objects to return. Default is all." and
    # "offset | The index to start with. The default is 0."
    pages, whole = walks.pages[(who, kind, whose)], walks.whole[(who, kind, whose)]
    walked = [order.get("_id") for page in pages for order in page.orders]
    assert walked == [order.get("_id") for order in whole.orders]
    assert all(len(page.orders) == LIMIT for page in pages[:-1])
    assert len(pages[-1].orders) < LIMIT
    # X-Total-Count: how many the list holds in all, on every page of it.
    assert {page.total for page in [*pages, whole]} == {str(len(walked))}


@pytest.mark.parametrize(("who", "kind", "whose"), LISTS, ids=LIST_IDS)
def test_lists_and_counts_exactly_the_orders_made_from_a_record(
    demo: Demo, walks: Walks, who: str, kind: str, whose: str
) -> None:
    # "Orders objects are representations of the orders created from records objects."
    # Decision: only orders made from a record are described, and counted.
    account = "customer_account_id" if kind == "customers" else "supplier_account_id"
    theirs = [o for o in walks.native[who] if o[account] == demo.accounts[whose]]
    expected = [str(o["id"]) for o in theirs if rso_describes(o)]
    assert expected, f"the demo gives {whose} orders made from a record"
    whole = walks.whole[(who, kind, whose)]
    assert_same_ids([order.get("_id") for order in whole.orders], expected)
    assert whole.total == str(len(expected))


async def test_limit_takes_any_positive_integer(
    demo_client: httpx.AsyncClient, demo: Demo, walks: Walks
) -> None:
    # "limit | Optional | The number of record objects to return. Default is all. | Integer"
    whole = walks.whole[("supplier", "merchants", "supplier")].orders
    path = f"{RSO}{_path(demo, 'merchants', 'supplier')}"
    for limit in (1, 2, len(whole) - 1, len(whole), len(whole) + 1, 2**63 - 1):
        response = await demo_client.get(
            path, params={"limit": limit}, headers=demo.bearer("supplier")
        )
        assert response.status_code == 200, (limit, response.text)
        assert response.json() == whole[:limit], limit


# --- every order on them ----------------------------------------------------------------------


def test_every_order_has_the_documented_fields_and_types(walks: Walks) -> None:
    assert_none(run(order_fields, walks.everywhere()), "RSO order fields")


def test_info_groups_are_one_element_arrays_with_every_documented_key(walks: Walks) -> None:
    assert_none(run(info_groups, walks.everywhere()), "RSO info groups")


def test_status_is_in_progress_completed_or_cancelled(walks: Walks) -> None:
    assert_none(run(status_value, walks.everywhere()), "RSO status")


def _against_native(walks: Walks, rule: Any) -> list[Any]:
    """``rule(check, order, native)`` over every listed order and the native one of its id."""
    by_id = walks.by_id
    return run(
        lambda check, order: rule(check, order, by_id[order["_id"]]),
        [(s, o) for s, o in walks.everywhere() if o.get("_id") in by_id],
    )


def test_record_id_is_the_product_the_order_was_made_from(walks: Walks) -> None:
    def rule(check: Check, order: dict[str, Any], native: dict[str, Any]) -> None:
        # "record_id | The ID of the record object that was turned into an order."
        if check.expect(rso_describes(native), "", "was made from no record"):
            check.equal(order.get("record_id"), str(native["product"]["id"]), "/record_id")

    assert_none(_against_native(walks, rule), "record_id")


def test_ids_name_the_order_its_merchant_and_its_customer(walks: Walks) -> None:
    def rule(check: Check, order: dict[str, Any], native: dict[str, Any]) -> None:
        check.equal(order.get("_id"), str(native["id"]), "/_id")
        # "merchant_id | The merchant ID of the merchant account that created the record"
        check.equal(order.get("merchant_id"), str(native["supplier_account_id"]), "/merchant_id")
        for i, merchant in enumerate(order.get("merchant_info") or []):
            merchant_id = merchant.get("merchant_id") if isinstance(merchant, dict) else None
            check.equal(merchant_id, order.get("merchant_id"), f"/merchant_info/{i}/merchant_id")
        # "_createdBy | The ID of the customer ..."
        check.equal(order.get("_createdBy"), str(native["customer_account_id"]), "/_createdBy")

    assert_none(_against_native(walks, rule), "RSO ids")


def _text(value: Any) -> str:
    return "" if value is None else value


def test_customer_and_merchant_info_are_the_two_accounts_registered_details(
    walks: Walks,
) -> None:
    accounts = walks.accounts

    def rule(check: Check, order: dict[str, Any], native: dict[str, Any]) -> None:
        customer = accounts[native["customer_account_id"]]
        for i, info in enumerate(order.get("customer_info") or []):
            where = f"/customer_info/{i}"
            # "username | The registered username of the customer account ..."
            check.equal(info.get("username"), customer["name"], f"{where}/username")
            # "email | The registered email address of the customer account ..."
            check.equal(info.get("email"), _text(customer["email"]), f"{where}/email")
            # "firstName" / "lastName": the registered name of the account's person, as
            # the account keeps it (given and family names; never split by guessing)
            check.equal(
                info.get("firstName"), _text(customer["contact_given_name"]), f"{where}/firstName"
            )
            check.equal(
                info.get("lastName"), _text(customer["contact_family_name"]), f"{where}/lastName"
            )
        merchant = accounts[native["supplier_account_id"]]
        for i, info in enumerate(order.get("merchant_info") or []):
            where = f"/merchant_info/{i}"
            # "companyName | The registered company name of the merchant account ..."
            check.equal(info.get("companyName"), merchant["name"], f"{where}/companyName")
            # "primaryContact | The registered primary contact ..."
            contact = _text(merchant["contact_person"])
            check.equal(info.get("primaryContact"), contact, f"{where}/primaryContact")
            # "phoneNumber | The registered phone number ..."
            phone = _text(merchant["phone_number"])
            check.equal(info.get("phoneNumber"), phone, f"{where}/phoneNumber")

    assert_none(_against_native(walks, rule), "customer_info / merchant_info")


def test_shipping_and_billing_info_are_the_order_s_or_the_customer_s_addresses(
    walks: Walks,
) -> None:
    accounts = walks.accounts

    def rule(check: Check, order: dict[str, Any], native: dict[str, Any]) -> None:
        # "shipping_address1 | The registered shipping address of the customer account that
        # created the order." Decision: the order's address, else the account's registered.
        customer = accounts[native["customer_account_id"]]
        for group, names, source in (
            ("shipping_info", SHIPPING_INFO, "shipping_address"),
            ("billing_info", BILLING_INFO, "billing_address"),
        ):
            address = native[source] or customer[source] or {}
            for i, info in enumerate(order.get(group) or []):
                for vendor, core in names.items():
                    where = f"/{group}/{i}/{vendor}"
                    check.equal(info.get(vendor), _text(address.get(core)), where)

    assert_none(_against_native(walks, rule), "shipping_info / billing_info")


# --- orders not made from a record ----------------------------------------------------------


async def _two_orders(client: httpx.AsyncClient, world: World) -> tuple[int, int]:
    """An order of item lines only, and one made from a record, in ``world``."""
    catalog = await make_catalog(client, world)
    lines_only = await make_order(client, world, catalog)
    from_record = await make_order(client, world, catalog, lines=[], product_id=catalog.product_id)
    return lines_only["id"], from_record["id"]


async def test_put_on_an_order_not_made_from_a_record_is_a_404_like_a_missing_id(
    client: httpx.AsyncClient, world: World
) -> None:
    lines_only, from_record = await _two_orders(client, world)
    merchant = world.auth("supplier")
    body = {"comments": ["Changed through RSO"]}
    answers = {}
    for ident in (10**15, lines_only, from_record):
        response = await client.put(f"{RSO}/orders/{ident}/", json=body, headers=merchant)
        answers[ident] = (response.status_code, blank_id(response.json(), ident))
    assert answers[from_record][0] == 200, answers[from_record]  # the route works
    assert answers[10**15][0] == 404
    assert answers[lines_only] == answers[10**15]
    assert (await read_order(client, world, lines_only))["comments"] == []


async def test_delete_of_an_order_not_made_from_a_record_is_a_404_like_a_missing_id(
    client: httpx.AsyncClient, world: World
) -> None:
    lines_only, from_record = await _two_orders(client, world)
    customer_id = world.accounts["customer"]
    answers = {}
    for ident in (10**15, lines_only, from_record):
        response = await client.delete(
            f"{RSO}/orders/{ident}/customers/{customer_id}/", headers=world.auth("customer")
        )
        answers[ident] = (response.status_code, blank_id(response.json(), ident))
    assert answers[from_record][0] == 200, answers[from_record]  # the route works
    assert answers[10**15][0] == 404
    assert answers[lines_only] == answers[10**15]
    assert (await read_order(client, world, lines_only))["status"]["type"] != "CLOSED"
