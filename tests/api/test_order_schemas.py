"""Order schemas' patterns run on RE2 (linear time), and a pattern RE2 cannot take is refused.

JSON Schema patterns are unanchored ECMA-262 regexes: they match anywhere in the string,
and ``$`` is the end of the string (not the end of a last line).
"""

from __future__ import annotations

import socket
import threading

import pytest

from orderdesk.db import session_scope
from orderdesk.orderschemas.limits import (
    MAX_CHECK_SECONDS,
    MAX_DETAIL,
    MAX_SCHEMA_BYTES,
    MAX_SCHEMA_DEPTH,
    MAX_SCHEMA_NODES,
    MAX_SEARCH_WORK,
    MAX_VIOLATIONS,
)
from orderdesk.orderschemas.models import OrderSchema
from orderdesk.orderschemas.patterns import compiled
from tests.api.builders import created, make_catalog, pointers, problem

EVIL = "^(a+)+$"  # catastrophic backtracking for a backtracking engine
ATTACK = "a" * 30 + "!"


async def _save(client, world, schema: dict, name: str = "lab-form", who: str = "supplier"):
    return await client.post(
        "/v1/order-schemas", json={"name": name, "schema": schema}, headers=world.auth(who)
    )


async def _order(client, world, catalog, data: dict, name: str = "lab-form"):
    return await client.post(
        "/v1/orders",
        json={"lines": [{"item_id": catalog.item_ids[0]}], "schema_name": name, "data": data},
        headers=world.auth("customer"),
    )


def _code(pattern: str) -> dict:
    return {"type": "object", "properties": {"code": {"type": "string", "pattern": pattern}}}


# --- saving -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (r"^(a)\1$", "invalid escape sequence"),  # backreference
        (r"^(?=a)", "invalid perl operator"),  # lookahead
        (r"(?<!x)y", "invalid perl operator"),  # lookbehind
        ("[", "missing ]"),
    ],
)
async def test_a_pattern_re2_cannot_take_is_refused_at_its_pointer(client, world, pattern, why):
    body = problem(await _save(client, world, _code(pattern)), 422)
    assert pointers(body) == {"/schema/properties/code/pattern"}
    (error,) = body["errors"]
    assert "RE2" in error["detail"] and why in error["detail"], error
    r = await client.get("/v1/order-schemas", headers=world.auth("supplier"))
    assert r.json()["items"] == []


@pytest.mark.parametrize(
    ("schema", "pointer"),
    [
        ({"$defs": {"c": {"pattern": r"(\d)\1"}}}, "/schema/$defs/c/pattern"),
        ({"allOf": [{"items": {"pattern": r"(\d)\1"}}]}, "/schema/allOf/0/items/pattern"),
        (
            {"properties": {"tubes": {"patternProperties": {r"^(x)\1$": {}}}}},
            "/schema/properties/tubes/patternProperties/^(x)\\1$",
        ),
        ({"patternProperties": {"a/b~(?=c)": {}}}, "/schema/patternProperties/a~1b~0(?=c)"),
    ],
)
async def test_a_pattern_anywhere_in_the_schema_is_checked(client, world, schema, pointer):
    body = problem(await _save(client, world, schema), 422)
    assert pointers(body) == {pointer}


async def test_pattern_as_a_property_name_or_in_a_value_is_no_pattern(client, world):
    schema = {
        "properties": {"pattern": {"type": "string"}},
        "const": {"pattern": r"(a)\1"},
        "examples": [{"pattern": "(?=x)"}],
    }
    await created(await _save(client, world, schema))


async def test_an_update_to_a_pattern_re2_cannot_take_is_refused(client, world):
    saved = await created(await _save(client, world, _code("^[A-Z]+$")))
    url = f"/v1/order-schemas/{saved['id']}"
    r = await client.put(url, json={"schema": _code(r"(?<=A)B")}, headers=world.auth("supplier"))
    assert pointers(problem(r, 422)) == {"/schema/properties/code/pattern"}
    r = await client.get(url, headers=world.auth("supplier"))
    assert r.json()["schema"] == _code("^[A-Z]+$")


async def test_a_backtracking_prone_pattern_is_accepted(client, world):
    await created(await _save(client, world, _code(EVIL)))


def _nested(depth: int) -> dict:
    schema: dict = {}
    for _ in range(depth - 1):
        schema = {"items": schema}
    return schema


@pytest.mark.parametrize(
    ("schema", "why"),
    [
        ({"allOf": [{}] * (MAX_SCHEMA_NODES - 1)}, f"more than {MAX_SCHEMA_NODES} objects"),
        ({"description": "é" * (MAX_SCHEMA_BYTES // 2)}, f"at most {MAX_SCHEMA_BYTES}"),
    ],
    ids=["nodes", "bytes"],
)
async def test_a_schema_past_the_bounds_is_refused_at_schema(client, world, schema, why):
    body = problem(await _save(client, world, schema), 422)
    assert pointers(body) == {"/schema"}
    assert why in body["errors"][0]["detail"]


async def test_a_schema_nested_past_the_bound_is_refused_where_it_is_too_deep(client, world):
    body = problem(await _save(client, world, _nested(MAX_SCHEMA_DEPTH + 1)), 422)
    (pointer,) = pointers(body)
    assert pointer.startswith("/schema/items/")
    assert "nest at most" in body["errors"][0]["detail"]


@pytest.mark.parametrize(
    "schema",
    [
        _nested(MAX_SCHEMA_DEPTH),
        {"allOf": [{}] * (MAX_SCHEMA_NODES - 2)},
        {"description": "é" * ((MAX_SCHEMA_BYTES - len('{"description":""}')) // 2)},
    ],
    ids=["depth", "nodes", "bytes"],
)
async def test_a_schema_at_the_bounds_is_saved(client, world, schema):
    await created(await _save(client, world, schema))


async def test_an_update_past_the_bounds_is_refused(client, world):
    saved = await created(await _save(client, world, {"type": "object"}))
    r = await client.put(
        f"/v1/order-schemas/{saved['id']}",
        json={"schema": {"allOf": [{}] * (MAX_SCHEMA_NODES - 1)}},
        headers=world.auth("supplier"),
    )
    assert pointers(problem(r, 422)) == {"/schema"}


# --- checking an order's data -----------------------------------------------------------


async def test_the_attack_on_a_backtracking_pattern_is_answered_as_a_violation(client, world):
    await created(await _save(client, world, _code(EVIL)))
    catalog = await make_catalog(client, world)
    body = problem(await _order(client, world, catalog, {"code": ATTACK}), 422)
    assert pointers(body) == {"/data/code"}
    assert "does not match" in body["errors"][0]["detail"]
    await created(await _order(client, world, catalog, {"code": "a" * 30}))


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        (r"^[A-Z]{2}-\d{4}$", "AB-1234", True),
        (r"^[A-Z]{2}-\d{4}$", "ab-1234", False),
        (r"^[A-Z]{2}-\d{4}$", "AB-1234\n", False),  # $ is the end of the string
        (r"\d", "tube 7 of 9", True),  # unanchored: matches anywhere
        (r"\d", "no digits", False),
        (r"^\d$", "\u0663", False),  # \d is ASCII digits, as in ECMA-262
        ("^é+$", "éé", True),  # characters, not bytes
        ("^.$", "é", True),
        ("^(?:EDTA|SST)$", "SST", True),
        ("^(?:EDTA|SST)$", "SSTX", False),
        # ECMA-262's \u escapes, which RE2 spells \x{...}
        (r"^\u00e9$", "é", True),
        (r"^[\u0041-\u005A]+$", "ABC", True),
        (r"^[\u0041-\u005A]+$", "abc", False),
        (r"^\u{1F9EA}$", "🧪", True),
        (r"^\uD83E\uDDEA$", "🧪", True),  # a surrogate pair is one character
        (r"^\\u0041$", "\\u0041", True),  # an escaped backslash, then "u0041"
    ],
)
async def test_data_is_checked_against_ordinary_patterns(client, world, pattern, value, matches):
    await created(await _save(client, world, _code(pattern)))
    catalog = await make_catalog(client, world)
    r = await _order(client, world, catalog, {"code": value})
    if matches:
        await created(r)
    else:
        assert pointers(problem(r, 422)) == {"/data/code"}


async def test_pattern_properties_are_checked_with_re2(client, world):
    schema = {
        "type": "object",
        "patternProperties": {"^tube-[0-9]+$": {"type": "string"}, EVIL: {"type": "integer"}},
        "additionalProperties": False,
    }
    await created(await _save(client, world, schema))
    catalog = await make_catalog(client, world)
    await created(await _order(client, world, catalog, {"tube-1": "EDTA", "aaa": 3}))
    body = problem(await _order(client, world, catalog, {"tube-1": 7, "aaa": "x"}), 422)
    assert pointers(body) == {"/data/tube-1", "/data/aaa"}
    # the attack as a key matches no pattern (additionalProperties matches keys too)
    body = problem(await _order(client, world, catalog, {ATTACK: 1}), 422)
    assert pointers(body) == {"/data"}
    assert "does not match any of the regexes" in body["errors"][0]["detail"]


async def test_unevaluated_properties_match_keys_with_re2(client, world):
    schema = {"allOf": [{"patternProperties": {EVIL: True}}], "unevaluatedProperties": False}
    await created(await _save(client, world, schema))
    catalog = await make_catalog(client, world)
    await created(await _order(client, world, catalog, {"aaaa": 1}))
    body = problem(await _order(client, world, catalog, {ATTACK: 1}), 422)
    assert pointers(body) == {"/data"}
    assert "Unevaluated properties are not allowed" in body["errors"][0]["detail"]


async def test_a_string_too_long_for_a_big_pattern_is_refused_not_searched(client, world):
    """RE2 is linear in the string times the pattern's program: a search past the bound is
    refused, since once started it cannot be interrupted."""
    big = "(a|b)*a(a|b){20}c"  # small to write, 69 RE2 instructions
    longest = MAX_SEARCH_WORK // compiled(big).programsize
    await created(await _save(client, world, _code(big)))
    catalog = await make_catalog(client, world)
    body = problem(await _order(client, world, catalog, {"code": "a" * longest}), 422)
    assert pointers(body) == {"/data/code"}  # searched: no match
    body = problem(await _order(client, world, catalog, {"code": "a" * (longest + 1)}), 422)
    assert pointers(body) == {"/data"}
    assert f"at most {longest} bytes" in body["errors"][0]["detail"]


async def test_unique_items_over_thousands_of_objects(client, world):
    """jsonschema's own check compares every pair of objects (4,000: 19 s); this one hashes."""
    schema = {"properties": {"tubes": {"uniqueItems": True}}}
    await created(await _save(client, world, schema))
    catalog = await make_catalog(client, world)
    tubes = [{"n": n} for n in range(5000)]
    await created(await _order(client, world, catalog, {"tubes": tubes}))
    body = problem(await _order(client, world, catalog, {"tubes": [*tubes, {"n": 7.0}]}), 422)
    assert pointers(body) == {"/data/tubes"}, body
    assert "non-unique" in body["errors"][0]["detail"]


async def test_violations_stop_at_the_cap(client, world):
    schema = {"properties": {"tubes": {"items": {"type": "string"}}}}
    await created(await _save(client, world, schema))
    catalog = await make_catalog(client, world)
    body = problem(await _order(client, world, catalog, {"tubes": list(range(100))}), 422)
    assert pointers(body) == {f"/data/tubes/{i}" for i in range(MAX_VIOLATIONS)}


async def test_a_reference_outside_the_schema_is_not_fetched(client, world):
    """jsonschema's default fetches a remote $ref with urlopen (no timeout): a stall, and a
    request from inside the service to wherever the schema's author likes."""
    visits: list[bytes] = []
    with socket.create_server(("127.0.0.1", 0)) as listener:

        def answer_any() -> None:  # hang up on whoever calls, noting what they asked
            listener.settimeout(10)
            try:
                while True:
                    conn, _ = listener.accept()
                    with conn:
                        visits.append(conn.recv(200))
            except OSError:
                return

        threading.Thread(target=answer_any, daemon=True).start()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/latest/meta-data"
        await created(await _save(client, world, {"properties": {"code": {"$ref": url}}}))
        catalog = await make_catalog(client, world)
        body = problem(await _order(client, world, catalog, {"code": "x"}), 422)
    assert pointers(body) == {"/data"}
    assert "not fetched" in body["errors"][0]["detail"] and url in body["errors"][0]["detail"]
    assert visits == []


def _doubling(links: int) -> dict:
    """Each link refers to the next twice, through anyOf: 2 ** links evaluations."""
    defs: dict = {f"d{i}": {"anyOf": [{"$ref": f"#/$defs/d{i + 1}"}] * 2} for i in range(links)}
    defs[f"d{links}"] = {"type": "string"}
    return {"$defs": defs, "$ref": "#/$defs/d0"}


SPENT = f"more than {MAX_CHECK_SECONDS * 1000:.0f} ms of CPU time"
ENDLESS = "refers to itself without end"


@pytest.mark.parametrize(
    ("schema", "whys"),
    [
        (_doubling(30), {SPENT}),
        # endless recursion meets Python's recursion limit, or the budget first
        ({"$ref": "#"}, {ENDLESS, SPENT}),
        (
            {"$defs": {"a": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"},
            {ENDLESS, SPENT},
        ),
    ],
    ids=["doubling", "self", "cycle"],
)
async def test_a_schema_too_costly_for_the_data_is_a_422(client, world, schema, whys):
    await created(await _save(client, world, schema))
    catalog = await make_catalog(client, world)
    body = problem(await _order(client, world, catalog, {"code": 1}), 422)
    assert "cannot be checked" in body["detail"]
    assert pointers(body) == {"/data"}
    assert any(why in body["errors"][0]["detail"] for why in whys), body


async def test_a_violation_quoting_a_long_value_is_shortened(client, world):
    await created(await _save(client, world, {"properties": {"tubes": {"type": "object"}}}))
    catalog = await make_catalog(client, world)
    body = problem(await _order(client, world, catalog, {"tubes": ["EDTA"] * 1000}), 422)
    (error,) = body["errors"]
    assert error["pointer"] == "/data/tubes"
    assert len(error["detail"]) <= MAX_DETAIL and "characters in all" in error["detail"]


async def test_a_stored_pattern_re2_cannot_take_is_a_422_not_a_crash(client, world, sessions):
    """A schema saved before patterns had to suit RE2 fails its orders with a reason."""
    saved = await created(await _save(client, world, _code("^x")))
    async with session_scope(sessions) as session:
        record = await session.get(OrderSchema, (world.tenant_id, saved["id"]))
        assert record is not None
        record.schema = _code("^(?=x)")
    catalog = await make_catalog(client, world)
    body = problem(await _order(client, world, catalog, {"code": "x"}), 422)
    assert pointers(body) == {"/data"}
    assert "(?=x)" in body["errors"][0]["detail"]
