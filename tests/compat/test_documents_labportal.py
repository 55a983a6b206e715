"""labPortal2 Commerce (seed 001), from the document alone, over every order of the demo tenant.

The document has one order route and no list: ``GET api-v1/commerce/orders/{id}``
"in the format appropriate for the Accept header". labPortal describes every
order, so for each key (both customers, the supplier, the admin) every order
the key may see (as the native API lists them) is fetched as JSON and as XML,
and each answer is checked against the ``OrderResponse`` table and the two
samples: JSON members with their types, DataContract XML with its namespaces,
its elements in the sample's (alphabetical) order, and the same values.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest

from tests.compat.documents import (
    INTEGER,
    KEYS,
    LABPORTAL,
    OBJECT,
    REQUEST_STATES,
    STRING,
    Check,
    Demo,
    assert_none,
    native_orders,
    run,
)

# The XML sample's namespaces.
MESSAGES = "http://schemas.datacontract.org/2004/07/labPortal2.Web.Api.v1.Commerce.Messages"
ARRAYS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
INSTANCE = "http://www.w3.org/2001/XMLSchema-instance"

#: The OrderResponse table's members (Name | Description | Type), in the JSON sample's order.
MEMBERS = ("Id", "SchemaName", "Status", "Created", "Modified", "Email", "Filter", "Data", "Items")
#: LineItemResponse's members, as the JSON sample shows them.
LINE_MEMBERS = ("Id", "SuiteCodes", "DetCodes", "Data")
#: "Created": "2024-04-18T03:24:22.2462013+00:00": seven fractional digits (.NET's ticks),
#: at UTC (every surface renders the stored UTC time the way its document shows).
LAB_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00")


class Fetches:
    def __init__(self) -> None:
        self.json: dict[str, dict[int, httpx.Response]] = {}
        self.xml: dict[str, dict[int, httpx.Response]] = {}
        self.native: dict[str, list[dict[str, Any]]] = {}

    def orders(self) -> list[tuple[str, dict[str, Any]]]:
        """Every JSON order answered, by id and key."""
        return [
            (f"order {ident} (JSON, {who})", r.json())
            for who in KEYS
            for ident, r in self.json[who].items()
            if r.status_code == 200
        ]

    def documents(self) -> list[tuple[str, tuple[ET.Element, dict[str, Any]]]]:
        """Every XML order answered, parsed, with the JSON answer for the same key and id."""
        return [
            (
                f"order {ident} (XML, {who})",
                (ET.fromstring(r.content), self.json[who][ident].json()),
            )
            for who in KEYS
            for ident, r in self.xml[who].items()
            if r.status_code == 200 and self.json[who][ident].status_code == 200
        ]


@pytest.fixture(scope="module")
async def fetches(demo_client: httpx.AsyncClient, demo: Demo) -> Fetches:
    fetches = Fetches()
    for who in KEYS:
        fetches.native[who] = await native_orders(demo_client, demo, who)
        fetches.json[who], fetches.xml[who] = {}, {}
        for order in fetches.native[who]:
            url = f"{LABPORTAL}/commerce/orders/{order['id']}"
            fetches.json[who][order["id"]] = await demo_client.get(
                url, headers={**demo.bearer(who), "Accept": "application/json"}
            )
            fetches.xml[who][order["id"]] = await demo_client.get(
                url, headers={**demo.bearer(who), "Accept": "application/xml"}
            )
    return fetches


# --- JSON (the table and the application/json sample) ---------------------------------------


def json_members(check: Check, order: dict[str, Any]) -> None:
    """Every member of the table, with its type; strings may be null here (see below)."""
    # The table's members and no other (JSON members are unordered: any order will do).
    check.expect(set(order) == set(MEMBERS), "", f"has members {sorted(order)}")
    # "Id | The Id of the | integer"
    check.field(order, "", "Id", INTEGER)
    # "SchemaName | The name of the which the order was created against | string"
    check.field(order, "", "SchemaName", STRING, nullable=True)
    # "Status | An enum representing the status of the Order | RequestState": "Status": 0
    check.field(order, "", "Status", INTEGER)
    # "Created | The date and time the order was created | date", likewise "Modified"
    check.field(order, "", "Created", STRING)
    check.field(order, "", "Modified", STRING)
    # "Email | The email address of the user that created the order | string"
    check.field(order, "", "Email", STRING, nullable=True)
    # "Filter | The collection of filters attached to this order | Collection of string"
    check.elements(order, "", "Filter", STRING)
    # "Data | A dictionary containing data saved against the order | Dictionary of string
    # [key] and Object [value]"
    check.field(order, "", "Data", OBJECT)
    # "Items | The samples submitted in this order | Collection of LineItemResponse"
    for path, line in check.elements(order, "", "Items", OBJECT):
        check.expect(set(line) == set(LINE_MEMBERS), path, f"has members {sorted(line)}")
        check.field(line, path, "Id", INTEGER)
        check.elements(line, path, "SuiteCodes", STRING)
        check.elements(line, path, "DetCodes", STRING)
        check.field(line, path, "Data", OBJECT)


def json_strings(check: Check, order: dict[str, Any]) -> None:
    # The sample always shows "SchemaName": "sample string 2" and "Email": "sample string 5",
    # both typed "string" by the table: a string, never null.
    check.field(order, "", "SchemaName", STRING)
    check.field(order, "", "Email", STRING)


def json_status(check: Check, order: dict[str, Any]) -> None:
    # "Status | An enum representing the status of the Order | RequestState"
    check.one_of(order.get("Status"), "/Status", REQUEST_STATES)


def json_times(check: Check, order: dict[str, Any]) -> None:
    for name in ("Created", "Modified"):
        check.matches(
            order.get(name), f"/{name}", LAB_TIME, "like 2024-04-18T03:24:22.2462013+00:00"
        )
    try:
        created = dt.datetime.fromisoformat(order["Created"][:26] + "+00:00")
        modified = dt.datetime.fromisoformat(order["Modified"][:26] + "+00:00")
    except (KeyError, TypeError, ValueError):
        return  # reported above
    check.expect(modified >= created, "/Modified", "is before Created")


# --- XML (the application/xml sample) ---------------------------------------------------------


def _q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def _names(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def _nil(element: ET.Element | None) -> bool:
    return element is not None and element.get(_q(INSTANCE, "nil")) == "true"


def xml_shape(check: Check, document: tuple[ET.Element, dict[str, Any]]) -> None:
    """The sample's structure: the messages namespace, members in alphabetical order,
    collections and dictionaries in the serialization-arrays namespace."""
    root, _ = document
    check.equal(root.tag, _q(MESSAGES, "OrderResponse"), "/")
    # <Created>, <Data>, <Email>, <Filter>, <Id>, <Items>, <Modified>, <SchemaName>, <Status>
    expected = [_q(MESSAGES, name) for name in sorted(MEMBERS)]
    check.equal(_names(root), expected, "/ (members)")
    data = root.find(_q(MESSAGES, "Data"))
    if data is not None:
        _dictionary(check, data, "/Data")
    filters = root.find(_q(MESSAGES, "Filter"))
    if filters is not None:
        # <d2p1:string>sample string 1</d2p1:string>
        check.expect(
            all(tag == _q(ARRAYS, "string") for tag in _names(filters)),
            "/Filter",
            f"holds {_names(filters)}, not arrays:string",
        )
    items = root.find(_q(MESSAGES, "Items"))
    lines = [] if items is None else list(items)
    for i, line in enumerate(lines):
        where = f"/Items/{i}"
        check.equal(line.tag, _q(MESSAGES, "LineItemResponse"), where)
        # <Data>, <DetCodes>, <Id>, <SuiteCodes>
        check.equal(_names(line), [_q(MESSAGES, n) for n in sorted(LINE_MEMBERS)], where)
        line_data = line.find(_q(MESSAGES, "Data"))
        if line_data is not None:
            _dictionary(check, line_data, f"{where}/Data")
        for codes in ("DetCodes", "SuiteCodes"):
            found = line.find(_q(MESSAGES, codes))
            if found is not None:
                check.expect(
                    all(tag == _q(ARRAYS, "string") for tag in _names(found)),
                    f"{where}/{codes}",
                    "holds something other than arrays:string",
                )


def _dictionary(check: Check, element: ET.Element, where: str) -> None:
    # <d2p1:KeyValueOfstringanyType><d2p1:Key>...</d2p1:Key><d2p1:Value /></...>
    for i, entry in enumerate(element):
        check.equal(entry.tag, _q(ARRAYS, "KeyValueOfstringanyType"), f"{where}/{i}")
        check.equal(_names(entry), [_q(ARRAYS, "Key"), _q(ARRAYS, "Value")], f"{where}/{i}")


def _text(root: ET.Element, name: str) -> str | None:
    element = root.find(_q(MESSAGES, name))
    if element is None or _nil(element):
        return None
    return element.text or ""


def _strings(element: ET.Element | None) -> list[str]:
    return [] if element is None else [child.text or "" for child in element]


def xml_agrees(check: Check, document: tuple[ET.Element, dict[str, Any]]) -> None:
    """The XML answer says what the JSON answer says; ``Status`` by name (README: "Status
    is a number in JSON (0) and a name in XML (New)")."""
    root, order = document
    check.equal(_text(root, "Id"), str(order.get("Id")), "/Id")
    for name in ("SchemaName", "Created", "Modified", "Email"):
        check.equal(_text(root, name), order.get(name), f"/{name}")
    state = REQUEST_STATES.get(order.get("Status"))  # type: ignore[arg-type]
    check.equal(_text(root, "Status"), state[0] if state else None, "/Status")
    check.equal(_strings(root.find(_q(MESSAGES, "Filter"))), order.get("Filter"), "/Filter")
    data = root.find(_q(MESSAGES, "Data"))
    keys = [] if data is None else [entry.findtext(_q(ARRAYS, "Key")) for entry in data]
    check.equal(keys, list(order.get("Data") or {}), "/Data keys")
    items = root.find(_q(MESSAGES, "Items"))
    lines = [] if items is None else list(items)
    json_lines = order.get("Items") or []
    check.equal(len(lines), len(json_lines), "/Items count")
    for i, (line, json_line) in enumerate(zip(lines, json_lines, strict=False)):
        where = f"/Items/{i}"
        check.equal(line.findtext(_q(MESSAGES, "Id")), str(json_line.get("Id")), f"{where}/Id")
        for codes in ("SuiteCodes", "DetCodes"):
            found = _strings(line.find(_q(MESSAGES, codes)))
            check.equal(found, json_line.get(codes), f"{where}/{codes}")


# --- the tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", KEYS)
def test_every_order_is_answered_as_json_and_as_xml(fetches: Fetches, who: str) -> None:
    # "Response Formats: application/json,text/json ... application/xml,text/xml"
    assert fetches.native[who], f"the demo gives {who} orders"
    wrong = {}
    for ident in fetches.json[who]:
        as_json, as_xml = fetches.json[who][ident], fetches.xml[who][ident]
        json_type = as_json.headers.get("content-type", "")
        xml_type = as_xml.headers.get("content-type", "")
        if as_json.status_code != 200 or not json_type.startswith("application/json"):
            wrong[(ident, "json")] = (as_json.status_code, json_type)
        if as_xml.status_code != 200 or not xml_type.startswith("application/xml"):
            wrong[(ident, "xml")] = (as_xml.status_code, xml_type)
    assert not wrong, f"not answered as asked ((id, format): (status, type)): {wrong}"


def test_json_orders_have_the_documented_members_and_types(fetches: Fetches) -> None:
    assert_none(run(json_members, fetches.orders()), "labPortal OrderResponse members")


def test_json_string_members_are_strings_never_null(fetches: Fetches) -> None:
    assert_none(run(json_strings, fetches.orders()), "labPortal string members")


def test_json_status_is_a_request_state(fetches: Fetches) -> None:
    assert_none(run(json_status, fetches.orders()), "labPortal Status")


def test_json_times_are_utc_in_the_sample_s_format(fetches: Fetches) -> None:
    assert_none(run(json_times, fetches.orders()), "labPortal Created / Modified")


def test_xml_orders_have_the_sample_s_shape(fetches: Fetches) -> None:
    assert_none(run(xml_shape, fetches.documents()), "labPortal XML shape")


def test_xml_orders_say_what_the_json_orders_say(fetches: Fetches) -> None:
    assert_none(run(xml_agrees, fetches.documents()), "labPortal XML against JSON")


def test_items_are_the_order_s_lines(fetches: Fetches) -> None:
    """ "Items | The samples submitted in this order": one per line of the order, with its
    suite and determination codes and its data; "Id | The Id of the" order."""
    native = {o["id"]: o for o in fetches.native["admin"]}

    def rule(check: Check, order: dict[str, Any]) -> None:
        lines = native[order["Id"]]["lines"]
        check.equal(
            [i.get("Id") for i in order.get("Items", [])], [n["id"] for n in lines], "/Items"
        )
        for i, (item, line) in enumerate(zip(order.get("Items", []), lines, strict=False)):
            check.equal(item.get("SuiteCodes"), line["suite_codes"], f"/Items/{i}/SuiteCodes")
            check.equal(item.get("DetCodes"), line["determination_codes"], f"/Items/{i}/DetCodes")
            check.equal(item.get("Data"), line["data"], f"/Items/{i}/Data")

    assert_none(
        run(rule, [(s, o) for s, o in fetches.orders() if o.get("Id") in native]),
        "labPortal Items",
    )
