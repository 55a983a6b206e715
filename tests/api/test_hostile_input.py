"""No 5xx from any input: hostile text, nesting, numbers, times and cursors are 4xx naming them."""

import base64
import json
from xml.etree import ElementTree as ET

import pytest

from tests.api.builders import make_catalog, make_order, parameters, pointers, problem

#: What XML 1.0 cannot carry: NUL, other C0 controls, lone surrogates, U+FFFE, U+FFFF.
UNSAYABLE = ["\x00", "\x01", "\x0b", "\x1f", "\ud800", "\udfff", "\ufffe", "\uffff"]
NUL = "a\x00b"


def send(client, method: str, url: str, body, headers: dict, **more):
    """``body`` as JSON; json.dumps escapes lone surrogates, which httpx's encoder refuses."""
    headers = {**headers, "content-type": "application/json", **more}
    return client.request(method, url, content=json.dumps(body), headers=headers)


def nested(levels: int, kind: str = "object"):
    """``levels`` objects (or arrays) one inside the other, around a 1."""
    value: object = 1
    for _ in range(levels):
        value = {"a": value} if kind == "object" else [value]
    return value


@pytest.fixture
async def ids(client, world) -> dict[str, int]:
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    return {"item": catalog.item_ids[0], "order": order["id"], "project": order["project_id"]}


# --- text: NUL, control characters, surrogates ------------------------------------------


@pytest.mark.parametrize("char", UNSAYABLE, ids=[f"U+{ord(c):04X}" for c in UNSAYABLE])
async def test_text_xml_cannot_carry_is_refused_naming_the_field(client, world, char):
    response = await send(
        client, "POST", "/v1/sites", {"name": f"a{char}b"}, world.auth("customer")
    )
    assert pointers(problem(response, 422)) == {"/name"}


#: route, who, body (a NUL at ``pointer``), pointer
NUL_BODIES = {
    "patient address": (
        "POST /v1/patients",
        "customer",
        lambda ids: {"first_name": "A", "last_name": "B", "address": {"city": NUL}},
        "/address/city",
    ),
    "order memo": (
        "POST /v1/orders",
        "customer",
        lambda ids: {"lines": [{"item_id": ids["item"]}], "memo": NUL},
        "/memo",
    ),
    "order line data": (
        "POST /v1/orders",
        "customer",
        lambda ids: {"lines": [{"item_id": ids["item"], "data": {"k": [1, NUL]}}]},
        "/lines/0/data/k/1",
    ),
    "order tags": (
        "PATCH /v1/orders/{order}",
        "customer",
        lambda ids: {"tags": ["t", NUL]},
        "/tags/1",
    ),
    "note": ("POST /v1/orders/{order}/notes", "customer", lambda ids: {"text": NUL}, "/text"),
    "tracking number": (
        "POST /v1/orders/{order}/tracking-numbers",
        "supplier",
        lambda ids: {"carrier": "ups", "value": NUL},
        "/value",
    ),
    "product terms": (
        "POST /v1/products",
        "supplier",
        lambda ids: {"name": "P", "price": "1", "currency": "USD", "terms": NUL},
        "/terms",
    ),
    "workflow definition": (
        "POST /v1/workflows",
        "admin",
        lambda ids: {"definition": {"key": "k", "name": NUL}},
        "/definition/name",
    ),
    "order schema": (
        "POST /v1/order-schemas",
        "admin",
        lambda ids: {"name": "s", "schema": {"type": "object", "title": NUL}},
        "/schema/title",
    ),
}


@pytest.mark.parametrize("case", NUL_BODIES)
async def test_a_nul_anywhere_in_a_body_is_refused_naming_its_pointer(client, world, ids, case):
    route, who, body, pointer = NUL_BODIES[case]
    method, url = route.split()
    response = await send(client, method, url.format(**ids), body(ids), world.auth(who))
    assert pointers(problem(response, 422)) == {pointer}


async def test_a_key_holding_a_nul_is_named_by_its_object(client, world, ids):
    body = {"data": {"fine": 1, "inner": {"k\x00": 1}}}
    response = await send(client, "PATCH", f"/v1/orders/{ids['order']}", body, world.auth("admin"))
    assert pointers(problem(response, 422)) == {"/data/inner"}


async def test_a_nul_in_a_form_body_names_the_field(client, world):
    response = await client.post(
        "/v1/sites",
        content=b"name=North&address[city]=a%00b",
        headers={**world.auth("customer"), "content-type": "application/x-www-form-urlencoded"},
    )
    assert pointers(problem(response, 422)) == {"/address/city"}


async def test_a_refused_body_writes_nothing(client, world):
    auth = world.auth("customer")
    response = await send(
        client, "POST", "/v1/sites", {"name": "Kept out", "phone_number": NUL}, auth
    )
    problem(response, 422)
    listed = await client.get("/v1/sites", headers=auth)
    assert [s["name"] for s in listed.json()["items"]] == []


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/v1/orders", "tag"),
        ("/v1/orders", "status"),
        ("/v1/orders", "external_order_id"),
        ("/v1/orders", "created_after"),
        ("/v1/items", "sku"),
        ("/v1/patients", "external_identifier"),
        ("/v1/workflows", "key"),
        ("/v1/order-schemas", "name"),
    ],
)
async def test_a_nul_in_a_query_filter_names_the_parameter(client, world, path, param):
    response = await client.get(path, params={param: NUL}, headers=world.auth("admin"))
    assert parameters(problem(response, 422)) == {param}


async def test_a_control_character_in_a_header_names_the_header(client, world, ids):
    response = await send(
        client,
        "PATCH",
        f"/v1/orders/{ids['order']}",
        {"memo": "m"},
        world.auth("customer"),
        **{"If-Match": '"1"\x01'},
    )
    assert parameters(problem(response, 422)) == {"if-match"}


async def test_tab_line_breaks_and_other_characters_xml_carries_are_kept(client, world, ids):
    text = "tab\tLF\nCR\r DEL\x7f NEL\x85 \ufffd \U0001f9b7 \u00e9"
    response = await send(
        client, "POST", f"/v1/orders/{ids['order']}/notes", {"text": text}, world.auth("customer")
    )
    assert response.status_code == 201, response.text
    assert response.json()["text"] == text.strip()


# --- nesting ------------------------------------------------------------------------------


async def test_data_may_nest_as_deep_as_the_bound(client, world, ids):
    body = {"data": nested(31)}  # the body itself is the first of 32 levels
    response = await send(client, "PATCH", f"/v1/orders/{ids['order']}", body, world.auth("admin"))
    assert response.status_code == 200, response.text
    assert response.json()["data"] == body["data"]


@pytest.mark.parametrize("levels", [32, 300, 950, 5000])
async def test_data_nested_past_the_bound_names_the_first_level_too_deep(client, world, levels):
    raw = b'{"data": ' + b'{"a": ' * levels + b"1" + b"}" * levels + b"}"
    response = await client.post(
        "/v1/orders",
        content=raw,
        headers={**world.auth("customer"), "content-type": "application/json"},
    )
    assert pointers(problem(response, 422)) == {"/data" + "/a" * 31}


async def test_arrays_count_as_levels_too(client, world, ids):
    body = {"lines": [{"item_id": ids["item"], "data": {"k": nested(40, "array")}}]}
    response = await send(client, "POST", "/v1/orders", body, world.auth("customer"))
    assert pointers(problem(response, 422)) == {"/lines/0/data/k" + "/0" * 28}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/workflows", {}, "definition"),
        ("/v1/order-schemas", {"name": "deep"}, "schema"),
    ],
)
async def test_other_free_form_objects_are_bounded_too(client, world, path, body, field):
    response = await send(client, "POST", path, {**body, field: nested(300)}, world.auth("admin"))
    assert pointers(problem(response, 422)) == {f"/{field}" + "/a" * 31}


# --- XML answers are well-formed ----------------------------------------------------------


@pytest.mark.parametrize("char", ["\x01", "\x0b"], ids=["U+0001", "U+000B"])
async def test_a_control_character_in_a_note_is_refused_in_well_formed_xml(
    client, world, ids, char
):
    url = f"/v1/orders/{ids['order']}/notes"
    response = await send(
        client, "POST", url, {"text": f"a{char}b"}, world.auth("customer"), accept="application/xml"
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+xml")
    root = ET.fromstring(response.content)
    assert [p.text for p in root.iter("pointer")] == ["/text"]
    order = await client.get(f"/v1/orders/{ids['order']}", headers=world.auth("customer"))
    assert order.json()["notes"] == []


async def test_keys_that_are_no_xml_names_are_well_formed_entries(client, world, ids):
    data = {"ok": 1, "a\u00b2": 2, "\u00aa": 3, "1a": 4, "a b": 5, "xmlish": 6, "a:b": 7}
    auth = world.auth("customer")
    patched = await send(client, "PATCH", f"/v1/orders/{ids['order']}", {"data": data}, auth)
    assert patched.status_code == 200, patched.text
    response = await client.get(
        f"/v1/orders/{ids['order']}", headers={**auth, "accept": "application/xml"}
    )
    element = ET.fromstring(response.content).find("data")
    assert element is not None
    assert element.find("ok").text == "1"
    entries = {e.get("key"): e.text for e in element.findall("entry")}
    assert entries == {k: str(v) for k, v in data.items() if k != "ok"}


async def test_an_error_echoing_a_nul_in_the_path_is_well_formed_xml(client, world):
    response = await client.get(
        "/v1/orders/1%00", headers={**world.auth("admin"), "accept": "application/xml"}
    )
    assert response.status_code == 422
    root = ET.fromstring(response.content)
    assert root.findtext("instance") == "/v1/orders/1\ufffd"
    assert [p.text for p in root.iter("parameter")] == ["order_id"]


# --- numbers: ids and counts in 64 bits, version numbers in 32 ---------------------------


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/v1/orders", "patient_id"),
        ("/v1/orders", "site_id"),
        ("/v1/orders", "customer_account_id"),
        ("/v1/orders", "supplier_account_id"),
        ("/v1/orders", "project_id"),
        ("/v1/projects", "patient_id"),
        ("/v1/workflows", "account_id"),
    ],
)
@pytest.mark.parametrize("value", [2**63, 0], ids=["2^63", "0"])
async def test_an_id_filter_outside_64_bits_names_the_parameter(client, world, path, param, value):
    response = await client.get(path, params={param: value}, headers=world.auth("admin"))
    assert parameters(problem(response, 422)) == {param}


@pytest.mark.parametrize(
    "path",
    [
        "/v1/orders/{}",
        "/v1/orders/{}/timeline",
        "/v1/projects/{}",
        "/v1/projects/{}/orders",
        "/v1/projects/{}/timeline",
        "/v1/workflows/{}",
        "/v1/workflows/{}/versions",
        "/v1/order-schemas/{}",
    ],
)
async def test_a_path_id_beyond_64_bits_is_not_found(client, world, path):
    response = await client.get(path.format(2**63), headers=world.auth("admin"))
    problem(response, 404)


@pytest.mark.parametrize("number", [0, 2**31, 2**63, 2**64], ids=["0", "2^31", "2^63", "2^64"])
async def test_a_workflow_version_outside_32_bits_names_the_parameter(client, world, number):
    listed = await client.get("/v1/workflows", headers=world.auth("admin"))
    workflow = listed.json()["items"][0]["id"]
    response = await client.get(
        f"/v1/workflows/{workflow}/versions/{number}", headers=world.auth("admin")
    )
    assert parameters(problem(response, 422)) == {"number"}


@pytest.mark.parametrize(
    ("path", "who", "body", "pointer"),
    [
        ("/v1/orders", "customer", {"lines": [{"item_id": 2**63}]}, "/lines/0/item_id"),
        ("/v1/orders", "customer", {"lines": [{"item_id": 1, "count": 2**63}]}, "/lines/0/count"),
        (
            "/v1/kits",
            "supplier",
            {"name": "K", "kit_items": [{"item_id": 2**64}]},
            "/kit_items/0/item_id",
        ),
        ("/v1/sites", "admin", {"name": "S", "account_id": 2**63}, "/account_id"),
    ],
)
async def test_an_id_or_count_beyond_its_bound_in_a_body_names_it(
    client, world, path, who, body, pointer
):
    response = await send(client, "POST", path, body, world.auth(who))
    assert pointers(problem(response, 422)) == {pointer}


async def test_an_if_match_of_thousands_of_digits_names_the_header(client, world, ids):
    response = await send(
        client,
        "PATCH",
        f"/v1/orders/{ids['order']}",
        {"memo": "m"},
        world.auth("customer"),
        **{"If-Match": '"' + "9" * 5000 + '"'},
    )
    assert parameters(problem(response, 422)) == {"If-Match"}


# --- times: years 1 to 9999 once in UTC -------------------------------------------------


@pytest.mark.parametrize("param", ["created_after", "created_before"])
@pytest.mark.parametrize(
    "value",
    ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"],
    ids=["past-9999-in-utc", "before-year-1-in-utc"],
)
async def test_a_time_filter_beyond_what_the_databases_store_names_it(client, world, param, value):
    response = await client.get("/v1/orders", params={param: value}, headers=world.auth("admin"))
    assert parameters(problem(response, 422)) == {param}


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("created_after", "0001-01-01T00:00:00Z"),
        ("created_after", "0001-01-01T00:00:00"),
        ("created_before", "9999-12-31T23:59:59.999999Z"),
        ("created_before", "9999-12-31T23:59:59-00:00"),
    ],
)
async def test_the_first_and_last_storable_times_filter_as_usual(client, world, ids, param, value):
    response = await client.get("/v1/orders", params={param: value}, headers=world.auth("admin"))
    assert response.status_code == 200, response.text
    assert [o["id"] for o in response.json()["items"]] == [ids["order"]]


# --- cursors: one this list did not give out is a 400 --------------------------------------


def forge(fields: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")


FORGED = {
    "time past 9999 in UTC": ("/v1/orders", "created_at", {"dt": "9999-12-31T23:59:59-14:00"}),
    "time before year 1 in UTC": ("/v1/orders", "-created_at", {"dt": "0001-01-01T00:00:00+14:00"}),
    "id beyond 64 bits": ("/v1/orders", "id", 2**63),
    "huge int": ("/v1/orders", "id", 10**40),
    "nul in text": ("/v1/manufacturers", "name", "a\x00b"),
    "lone surrogate": ("/v1/manufacturers", "name", "\ud800"),
    "nested": ("/v1/manufacturers", "name", nested(200, "array")),
}


@pytest.mark.parametrize("case", FORGED)
async def test_a_forged_cursor_is_a_400_naming_cursor(client, world, case):
    path, sort, value = FORGED[case]
    cursor = forge({"s": sort.removeprefix("-"), "d": sort.startswith("-"), "v": value, "i": 1})
    response = await client.get(
        path, params={"cursor": cursor, "sort": sort}, headers=world.auth("admin")
    )
    assert parameters(problem(response, 400)) == {"cursor"}


@pytest.mark.parametrize(
    "raw",
    [b"[" * 700, b"[1, 2]", b'"text"', b'{"s": "id", "d": false, "v": 1, "i": 1e999}'],
    ids=["deep", "list", "string", "infinite"],
)
async def test_a_cursor_that_is_no_cursor_object_is_a_400(client, world, raw):
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    response = await client.get(
        "/v1/orders", params={"cursor": cursor}, headers=world.auth("admin")
    )
    assert parameters(problem(response, 400)) == {"cursor"}
