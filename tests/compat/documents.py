"""What the document tests share: the tenant they read, walks over every list, small checks.

The tenant is the demo data (``orderdesk.demo``: about sixty orders over the four
workflows, in varied states) plus orders placed through every surface that
places orders (native, Impilo, Record Stack Overflow by POST and by PUT), some
then moved on through yet another surface. It is loaded once per backend (see
``conftest.py``) and only read by the tests.

The checks are written from the vendors' documents, not from our response
models: a validator records each thing it finds wrong as a ``Problem`` (which
object, where in it, what), and ``assert_none`` fails with all of them, folded
so that one rule broken on sixty orders reads as one line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from orderdesk.demo import DemoData
from tests.api.builders import all_pages

IMPILO = "/compat/impilo/api/v3"
RSO = "/compat/rso/api/v1"
RAYTEAMS = "/compat/rayteams/v1.0"
LABPORTAL = "/compat/labportal/api-v1"

#: The demo's keys: two customers, the supplier, the tenant's admin.
KEYS = ("customer", "customer_other", "supplier", "admin")


# --- the tenant ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Demo:
    """The demo tenant: its keys and accounts, and the orders placed through each surface."""

    data: DemoData
    #: How an order was placed ("native", "impilo-patient", ...) -> its id.
    placed: dict[str, int]

    @property
    def accounts(self) -> dict[str, int]:
        return self.data.accounts

    def bearer(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.data.keys[who]}"}

    def impilo_key(self, who: str) -> dict[str, str]:
        return {"Impilo-API-Key": self.data.keys[who]}


#: How the shared orders are placed (``place_everywhere``), in that order.
ORIGINS = ("native", "native-no-recipient", "impilo-patient", "impilo-site", "rso-post", "rso-put")

FULL_ADDRESS = {
    "line_one": "8 Harbour Road",
    "line_two": "Unit 4",
    "line_three": "Dock C",
    "city": "Salem",
    "state": "MA",
    "zip_code": "01970",
    "country": "US",
    "note": "Side door",
}


async def _answer(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


async def place_everywhere(http: httpx.AsyncClient, data: DemoData) -> dict[str, int]:
    """One order through each surface that places orders, then some moved on elsewhere.

    - native: item lines, a kit line and a product, both addresses, for a patient;
      then the supplier confirms it (native transition); and one with an item line for
      neither a patient nor a site (no Impilo order);
    - Impilo: one for a patient (items and a kit), moved to reconfirmAddress by the
      supplier (native) and given a note and a tracking number; one for a site (a kit);
    - Record Stack Overflow: one by POST (form body, the rso-record product), completed
      by the merchant through ``PUT /orders/{id}/``; one by PUT (JSON, the lab-request
      product, the other customer), cancelled through ``DELETE``.
    """
    keys = data.keys

    def bearer(who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {keys[who]}"}

    products = data.workflow_product_ids
    item, other_item = data.item_ids[0], data.item_ids[3]
    kit = data.kit_ids[0]
    placed: dict[str, int] = {}

    native = await _answer(
        await http.post(
            "/v1/orders",
            headers=bearer("customer"),
            json={
                "patient_id": data.patient_ids[0],
                "product_id": products["dental-lab"][0],
                "lines": [
                    {"item_id": item, "count": 2},
                    {"item_id": other_item, "count": 1},
                    {"kit_id": kit, "count": 1},
                ],
                "external_order_ids": ["DOC-NATIVE-1"],
                "tags": ["documents"],
                "memo": "Placed through the native API",
                "shipping_option": "overnight",
                "shipping_address": FULL_ADDRESS,
                "billing_address": {**FULL_ADDRESS, "email": "billing@riverside.example"},
                "comments": ["native comment"],
            },
        ),
        201,
    )
    placed["native"] = native["id"]
    confirm = next(s["id"] for s in native["workflow"]["states"] if s["name"] == "Confirmed")
    await _answer(
        await http.post(
            f"/v1/orders/{native['id']}/transitions",
            json={"to": confirm},
            headers=bearer("supplier"),
        ),
        200,
    )

    no_recipient = await _answer(
        await http.post(
            "/v1/orders",
            headers=bearer("customer"),
            json={"lines": [{"item_id": item, "count": 1}]},
        ),
        201,
    )
    placed["native-no-recipient"] = no_recipient["id"]

    impilo = {"Impilo-API-Key": keys["customer"]}
    for_patient = await _answer(
        await http.post(
            f"{IMPILO}/order",
            headers=impilo,
            json={
                "patient": {"id": data.patient_ids[1]},
                "orderItems": [{"count": 3, "item": {"id": item}}],
                "orderKits": [{"count": 1, "kit": {"id": kit}}],
                "externalOrderIds": ["DOC-IMPILO-1", "DOC-IMPILO-2"],
                "shippingOption": "standard",
                "orderNotes": [{"note": "Placed through Impilo"}],
            },
        ),
        201,
    )
    placed["impilo-patient"] = for_patient["id"]
    path = f"/v1/orders/{for_patient['id']}"
    supplier = bearer("supplier")
    await _answer(
        await http.post(f"{path}/transitions", json={"to": "reconfirmAddress"}, headers=supplier),
        200,
    )
    await _answer(
        await http.post(f"{path}/notes", json={"text": "Please confirm."}, headers=supplier), 201
    )
    await _answer(
        await http.post(
            f"{path}/tracking-numbers", json={"carrier": "UPS", "value": "1Z999"}, headers=supplier
        ),
        201,
    )
    for_site = await _answer(
        await http.post(
            f"{IMPILO}/order",
            headers=impilo,
            json={"site": {"id": data.site_ids[0]}, "orderKits": [{"kit": {"id": kit}}]},
        ),
        201,
    )
    placed["impilo-site"] = for_site["id"]

    merchant = data.accounts["supplier"]
    record = products["rso-record"][0]
    by_post = await _answer(
        await http.post(
            f"{RSO}/orders/merchants/{merchant}/records/{record}/",
            headers={**bearer("customer"), "Content-Type": "application/x-www-form-urlencoded"},
            content=(
                "shipping_address1=12%20Quay%20St&shipping_address2=&shipping_city=Lowell"
                "&shipping_state=MA&shipping_zip=01852&paypal_email=pay%40riverside.example"
                "&billing_address1=3%20Ledger%20Row&billing_address2=Floor%202"
                "&billing_city=Lowell&billing_state=MA&billing_zip=01853&comments=By%20POST"
            ),
        ),
        201,
    )
    placed["rso-post"] = int(by_post["_id"])
    await _answer(
        await http.put(
            f"{RSO}/orders/{by_post['_id']}/",
            json={"status": "Completed", "comments": ["Sent"]},
            headers=bearer("supplier"),
        ),
        200,
    )
    by_put = await _answer(
        await http.put(
            f"{RSO}/orders/merchants/{merchant}/records/{products['lab-request'][0]}/",
            headers=bearer("customer_other"),
            json={
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
                "comments": ["By PUT"],
            },
        ),
        201,
    )
    placed["rso-put"] = int(by_put["_id"])
    other = data.accounts["customer_other"]
    await _answer(
        await http.delete(
            f"{RSO}/orders/{by_put['_id']}/customers/{other}/", headers=bearer("customer_other")
        ),
        200,
    )
    assert tuple(placed) == ORIGINS
    return placed


# --- what the native API says (the truth the surfaces are compared with) ---------------------


async def native_orders(http: httpx.AsyncClient, demo: Demo, who: str) -> list[dict[str, Any]]:
    """Every order ``who`` may see, as the native API shows it, oldest first."""
    return await all_pages(http, "/v1/orders", demo.bearer(who), limit=500, sort="id")


async def native_accounts(http: httpx.AsyncClient, demo: Demo) -> dict[int, dict[str, Any]]:
    """Every account of the tenant, by id, with its registered addresses."""
    accounts = await all_pages(http, "/v1/accounts", demo.bearer("admin"), limit=500)
    return {a["id"]: a for a in accounts}


def impilo_describes(order: dict[str, Any]) -> bool:
    """Decision: Impilo describes only orders with at least one item or kit line, and (the
    document's "exactly one of patient or site") only those for a patient or a site."""
    has_lines = any(line["item"] is not None or line["kit"] is not None for line in order["lines"])
    return has_lines and (order["patient"] is not None or order["site"] is not None)


def rso_describes(order: dict[str, Any]) -> bool:
    """Decision: Record Stack Overflow describes only orders made from a record (a
    supplier's product)."""
    return order["product"] is not None and order["product"]["id"] is not None


# --- status classes: where an order stands, in every vocabulary ---------------------------------

OPEN, COMPLETED, CANCELLED = "open", "completed", "cancelled"


def native_class(order: dict[str, Any]) -> str:
    status = order["status"]
    return OPEN if status["type"] != "CLOSED" else status["outcome"]


#: Impilo's ``currentStatus`` values. The guide (002) shows "reconfirmAddress"; the rest
#: are the product's reading of Impilo's vocabulary (PRODUCT.md: the impilo-device
#: workflow's state ids are Impilo statuses), by where each leaves the order.
IMPILO_STATUSES = {
    "new": OPEN,
    "reconfirmAddress": OPEN,
    "processing": OPEN,
    "shipped": OPEN,
    "delivered": COMPLETED,
    "cancelled": CANCELLED,
}

#: 004: 'Possible values are "In progress", "Completed", or "Cancelled".'
RSO_STATUSES = {"In progress": OPEN, "Completed": COMPLETED, "Cancelled": CANCELLED}

#: labPortal's ``RequestState`` (001 shows ``"Status": 0`` in JSON and ``<Status>New``
#: in XML for the same order): the numbers and names the product reads it with.
REQUEST_STATES = {
    0: ("New", OPEN),
    1: ("Received", OPEN),
    2: ("InProgress", OPEN),
    3: ("Completed", COMPLETED),
    4: ("Cancelled", CANCELLED),
    5: ("Rejected", CANCELLED),
}

#: 000: "statusType | String | Status type ( NEW, INPROGRESS, CLOSED )".
RAYTEAMS_STATUS_TYPES = ("NEW", "INPROGRESS", "CLOSED")


# --- walks ----------------------------------------------------------------------------------

#: A walk that has not ended after this many pages never will.
PAGES_MAX = 1000


async def impilo_pages(
    http: httpx.AsyncClient, headers: dict[str, str], size: int
) -> list[dict[str, Any]]:
    """Every page of Impilo's ``GET /order`` at ``size``, from the one asked without a page
    number to the one that says it is the last (or, if none does, the first empty one)."""
    response = await http.get(f"{IMPILO}/order", params={"size": size}, headers=headers)
    pages: list[dict[str, Any]] = []
    while len(pages) < PAGES_MAX:
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append(page)
        if page.get("last") is True or not page.get("content"):
            return pages
        response = await http.get(
            f"{IMPILO}/order", params={"size": size, "page": page["page"] + 1}, headers=headers
        )
    raise AssertionError(f"GET /order never said last after {PAGES_MAX} pages")


@dataclass
class RsoPage:
    orders: list[dict[str, Any]]
    total: str | None  # X-Total-Count as sent


async def rso_pages(
    http: httpx.AsyncClient, path: str, headers: dict[str, str], limit: int
) -> list[RsoPage]:
    """Every page of a Record Stack Overflow list, ``limit`` at a time by ``offset``, to the
    first page shorter than ``limit``."""
    pages: list[RsoPage] = []
    while len(pages) < PAGES_MAX:
        response = await http.get(
            f"{RSO}{path}",
            params={"limit": limit, "offset": len(pages) * limit},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        pages.append(RsoPage(response.json(), response.headers.get("x-total-count")))
        if len(pages[-1].orders) < limit:
            return pages
    raise AssertionError(f"{path} never ended after {PAGES_MAX} pages")


# --- checks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    subject: str  # which object, e.g. "order 12 (customer's list)"
    where: str  # a JSON Pointer into it ("" for the whole)
    what: str


@dataclass(frozen=True)
class Kind:
    """A JSON type as a document names it."""

    name: str
    test: Callable[[Any], bool]


STRING = Kind("a string", lambda v: isinstance(v, str))
INTEGER = Kind("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool))
NUMBER = Kind("a number", lambda v: isinstance(v, int | float) and not isinstance(v, bool))
BOOLEAN = Kind("a boolean", lambda v: isinstance(v, bool))
ARRAY = Kind("an array", lambda v: isinstance(v, list))
OBJECT = Kind("an object", lambda v: isinstance(v, dict))

_ABSENT = object()


@dataclass
class Check:
    """The problems found in one object; each method checks one rule and records a breach."""

    subject: str
    problems: list[Problem] = field(default_factory=list)

    def fail(self, where: str, what: str) -> None:
        self.problems.append(Problem(self.subject, where, what))

    def expect(self, ok: bool, where: str, what: str) -> bool:
        if not ok:
            self.fail(where, what)
        return ok

    def field(self, obj: Any, where: str, name: str, kind: Kind, *, nullable: bool = False) -> Any:
        """``obj[name]``, which must be present and ``kind`` (or null, if ``nullable``); the
        value when it is, else None."""
        path = f"{where}/{name}"
        value = obj.get(name, _ABSENT) if isinstance(obj, dict) else _ABSENT
        if value is _ABSENT:
            self.fail(path, "is missing")
            return None
        if value is None:
            if not nullable:
                self.fail(path, f"is null, not {kind.name}")
            return None
        if not kind.test(value):
            self.fail(path, f"is {type(value).__name__} {_short(value)}, not {kind.name}")
            return None
        return value

    def elements(self, obj: Any, where: str, name: str, kind: Kind) -> list[tuple[str, Any]]:
        """The elements of the array ``obj[name]`` that are ``kind``, with their paths."""
        values = self.field(obj, where, name, ARRAY) or []
        out = []
        for i, value in enumerate(values):
            path = f"{where}/{name}/{i}"
            if self.expect(kind.test(value), path, f"is {_short(value)}, not {kind.name}"):
                out.append((path, value))
        return out

    def one_of(self, value: Any, where: str, allowed: Iterable[Any]) -> None:
        allowed = list(allowed)
        if value is not None:
            self.expect(value in allowed, where, f"is {value!r}, not one of {allowed}")

    def matches(self, value: Any, where: str, pattern: re.Pattern[str], shape: str) -> None:
        if isinstance(value, str):
            self.expect(bool(pattern.fullmatch(value)), where, f"is {value!r}, not {shape}")

    def equal(self, actual: Any, expected: Any, where: str) -> None:
        self.expect(actual == expected, where, f"is {_short(actual)}, expected {_short(expected)}")


def blank_id(value: Any, ident: int) -> Any:
    """``value`` with every whole-number mention of ``ident`` in its strings as ``<id>``:
    two answers about different ids, compared."""
    if isinstance(value, str):
        return re.sub(rf"\b{ident}\b", "<id>", value)
    if isinstance(value, dict):
        return {k: blank_id(v, ident) for k, v in value.items()}
    if isinstance(value, list):
        return [blank_id(v, ident) for v in value]
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def run(rule: Callable[[Check, Any], None], subjects: Iterable[tuple[str, Any]]) -> list[Problem]:
    """Apply ``rule`` to each ``(subject, object)``; every problem found."""
    problems: list[Problem] = []
    for subject, obj in subjects:
        check = Check(subject)
        rule(check, obj)
        problems.extend(check.problems)
    return problems


def assert_none(problems: list[Problem], what: str) -> None:
    """Fail listing every problem, each distinct one once (array indexes folded to ``*``)
    with how many objects have it and which."""
    if not problems:
        return
    folded: dict[tuple[str, str], list[str]] = defaultdict(list)
    for p in problems:
        where = re.sub(r"/\d+(?=/|$)", "/*", p.where)
        what_ = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+Z?|\b\d{5,}\b", "…", p.what)
        folded[(where, what_)].append(p.subject)
    lines = [f"{what}: {len(problems)} problem(s), {len(folded)} distinct"]
    for (where, what_), subjects in sorted(folded.items()):
        shown = ", ".join(dict.fromkeys(subjects[:4]))
        more = f" and {len(subjects) - 4} more" if len(subjects) > 4 else ""
        lines.append(f"  {where or '/'} {what_}  [{len(subjects)}x: {shown}{more}]")
    raise AssertionError("\n".join(lines))


def assert_same_ids(listed: Iterable[Any], expected: Iterable[Any]) -> None:
    """A list shows each expected order once and nothing else."""
    listed, expected = list(listed), list(expected)
    extra = sorted(set(listed) - set(expected), key=str)
    missing = sorted(set(expected) - set(listed), key=str)
    twice = sorted({i for i in listed if listed.count(i) > 1}, key=str)
    assert not (extra or missing or twice), (
        f"listed but not expected: {extra}; expected but not listed: {missing}; "
        f"listed more than once: {twice}"
    )


#: ISO 8601 in UTC, as Impilo shows it: "2023-10-01T12:00:00Z" (fractions allowed).
UTC_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z")
#: A calendar date: "1980-01-01".
DATE = re.compile(r"\d{4}-\d\d-\d\d")


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def epoch_ms(native_time: str) -> int:
    """A native ``created_at`` (ISO 8601) as epoch milliseconds."""
    moment = dt.datetime.fromisoformat(native_time)
    return (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(milliseconds=1)
