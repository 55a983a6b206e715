"""Order input at the edge: documented bounds, one pointer per offending field, form bodies.

Bounds (see the app description): free text up to 10,000 characters, codes and
ids up to 100, up to 100 lines, 50 tags and 20 external ids.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.api.builders import (
    created,
    make_catalog,
    make_order,
    parameters,
    pointers,
    problem,
    read_order,
)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def _place(client, world, **body):
    return await client.post("/v1/orders", json=body, headers=world.auth("customer"))


def _line(catalog, **fields) -> dict:
    return {"item_id": catalog.item_ids[0], **fields}


# --- bounds on create -------------------------------------------------------------------


async def test_a_memo_of_10000_characters_is_accepted(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, memo="m" * 10_000)
    assert len(order["memo"]) == 10_000


async def test_a_memo_longer_than_10000_characters_is_refused(client, world):
    catalog = await make_catalog(client, world)
    response = await _place(client, world, lines=[_line(catalog)], memo="m" * 10_001)
    assert pointers(problem(response, 422)) == {"/memo"}


async def test_a_tag_longer_than_100_characters_is_refused(client, world):
    catalog = await make_catalog(client, world)
    response = await _place(client, world, lines=[_line(catalog)], tags=["ok", "t" * 101])
    assert pointers(problem(response, 422)) == {"/tags/1"}


async def test_an_empty_tag_is_refused(client, world):
    catalog = await make_catalog(client, world)
    response = await _place(client, world, lines=[_line(catalog)], tags=["  "])
    assert pointers(problem(response, 422)) == {"/tags/0"}


async def test_more_than_50_tags_are_refused(client, world):
    catalog = await make_catalog(client, world)
    response = await _place(
        client, world, lines=[_line(catalog)], tags=[f"t{n}" for n in range(51)]
    )
    assert pointers(problem(response, 422)) == {"/tags"}


async def test_more_than_20_external_ids_are_refused(client, world):
    catalog = await make_catalog(client, world)
    ids = [f"x{n}" for n in range(21)]
    response = await _place(client, world, lines=[_line(catalog)], external_order_ids=ids)
    assert pointers(problem(response, 422)) == {"/external_order_ids"}


async def test_100_lines_are_accepted(client, world):
    catalog = await make_catalog(client, world)
    order = await created(await _place(client, world, lines=[_line(catalog)] * 100))
    assert len(order["lines"]) == 100


async def test_more_than_100_lines_are_refused(client, world):
    catalog = await make_catalog(client, world)
    response = await _place(client, world, lines=[_line(catalog)] * 101)
    assert pointers(problem(response, 422)) == {"/lines"}


async def test_a_line_count_must_be_positive(client, world):
    catalog = await make_catalog(client, world)
    response = await _place(client, world, lines=[_line(catalog), _line(catalog, count=0)])
    assert pointers(problem(response, 422)) == {"/lines/1/count"}


async def test_a_line_with_two_targets_is_refused(client, world):
    catalog = await make_catalog(client, world)
    response = await _place(client, world, lines=[_line(catalog, kit_id=catalog.kit_id)])
    assert pointers(problem(response, 422)) == {"/lines/0"}


async def test_a_line_with_no_target_is_refused(client, world):
    catalog = await make_catalog(client, world)
    response = await _place(client, world, lines=[_line(catalog), {"count": 2}])
    assert pointers(problem(response, 422)) == {"/lines/1"}


async def test_too_many_test_codes_on_a_line_are_refused(client, world):
    catalog = await make_catalog(client, world)
    codes = [f"c{n}" for n in range(101)]
    response = await _place(client, world, lines=[_line(catalog, suite_codes=codes)])
    assert pointers(problem(response, 422)) == {"/lines/0/suite_codes"}


@pytest.mark.parametrize("option", ["standard", "overnight"])
async def test_a_shipping_option_of_standard_or_overnight_is_accepted(client, world, option):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, shipping_option=option)
    assert order["shipping_option"] == option


async def test_any_other_shipping_option_is_refused(client, world):
    catalog = await make_catalog(client, world)
    response = await _place(client, world, lines=[_line(catalog)], shipping_option="express")
    assert pointers(problem(response, 422)) == {"/shipping_option"}
    assert "standard" in response.json()["errors"][0]["detail"]


async def test_a_field_the_order_does_not_have_is_refused(client, world):
    catalog = await make_catalog(client, world)
    response = await _place(client, world, lines=[_line(catalog)], status="delivered")
    assert pointers(problem(response, 422)) == {"/status"}


async def test_an_over_long_address_line_is_refused(client, world):
    catalog = await make_catalog(client, world)
    response = await _place(
        client, world, lines=[_line(catalog)], shipping_address={"line_one": "x" * 201}
    )
    assert pointers(problem(response, 422)) == {"/shipping_address/line_one"}


async def test_every_offending_field_is_named_in_one_answer(client, world):
    catalog = await make_catalog(client, world)
    response = await _place(
        client,
        world,
        lines=[_line(catalog, count=0)],
        memo="m" * 10_001,
        shipping_option="express",
    )
    assert pointers(problem(response, 422)) == {"/lines/0/count", "/memo", "/shipping_option"}


async def test_a_refused_order_is_not_stored(client, world):
    catalog = await make_catalog(client, world)
    response = await _place(client, world, lines=[_line(catalog), {"item_id": 10**12}])
    assert response.status_code == 422
    listed = await client.get("/v1/orders", headers=world.auth("admin"))
    assert listed.json()["items"] == []


# --- bounds on the other routes ------------------------------------------------------------


async def test_an_edit_with_an_over_long_memo_is_refused(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await client.patch(
        f"/v1/orders/{order['id']}", json={"memo": "m" * 10_001}, headers=world.auth("customer")
    )
    assert pointers(problem(response, 422)) == {"/memo"}


@pytest.mark.parametrize(
    "field", ["tags", "external_order_ids", "data", "shipping_option", "email_label", "comments"]
)
async def test_an_edit_cannot_set_a_field_that_always_has_a_value_to_null(client, world, field):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await client.patch(
        f"/v1/orders/{order['id']}", json={field: None}, headers=world.auth("customer")
    )
    assert pointers(problem(response, 422)) == {f"/{field}"}
    assert (await read_order(client, world, order["id"]))["version"] == order["version"]


async def test_an_edit_may_clear_the_memo_with_null(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, memo="temp")
    response = await client.patch(
        f"/v1/orders/{order['id']}", json={"memo": None}, headers=world.auth("customer")
    )
    assert response.status_code == 200, response.text
    assert response.json()["memo"] is None


async def test_an_edit_cannot_change_the_customer(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await client.patch(
        f"/v1/orders/{order['id']}",
        json={"customer_account_id": world.accounts["customer_other"]},
        headers=world.auth("admin"),
    )
    assert pointers(problem(response, 422)) == {"/customer_account_id"}


async def test_an_empty_note_is_refused(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await client.post(
        f"/v1/orders/{order['id']}/notes", json={"text": "   "}, headers=world.auth("customer")
    )
    assert pointers(problem(response, 422)) == {"/text"}


async def test_a_note_longer_than_10000_characters_is_refused(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await client.post(
        f"/v1/orders/{order['id']}/notes",
        json={"text": "n" * 10_001},
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/text"}


async def test_a_tracking_number_needs_a_carrier_and_a_value(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await client.post(
        f"/v1/orders/{order['id']}/tracking-numbers", json={}, headers=world.auth("supplier")
    )
    assert pointers(problem(response, 422)) == {"/carrier", "/value"}


async def test_a_tracking_carrier_longer_than_50_characters_is_refused(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await client.post(
        f"/v1/orders/{order['id']}/tracking-numbers",
        json={"carrier": "c" * 51, "value": "1"},
        headers=world.auth("supplier"),
    )
    assert pointers(problem(response, 422)) == {"/carrier"}


async def test_a_move_needs_a_target(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await client.post(
        f"/v1/orders/{order['id']}/transitions", json={}, headers=world.auth("supplier")
    )
    assert pointers(problem(response, 422)) == {"/to"}


async def test_a_move_reason_longer_than_1000_characters_is_refused(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await client.post(
        f"/v1/orders/{order['id']}/transitions",
        json={"to": "processing", "reason": "r" * 1001},
        headers=world.auth("supplier"),
    )
    assert pointers(problem(response, 422)) == {"/reason"}


async def test_a_cancel_reason_longer_than_1000_characters_is_refused(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await client.post(
        f"/v1/orders/{order['id']}/cancel",
        json={"reason": "r" * 1001},
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/reason"}


async def test_an_order_id_that_is_not_a_number_is_refused_naming_the_parameter(client, world):
    response = await client.get("/v1/orders/abc", headers=world.auth("admin"))
    assert parameters(problem(response, 422)) == {"order_id"}


async def test_an_order_id_beyond_64_bits_is_answered_like_a_missing_order(client, world):
    response = await client.get(f"/v1/orders/{2**64}", headers=world.auth("admin"))
    assert response.status_code == 404, response.text


# --- form bodies --------------------------------------------------------------------------


async def test_an_order_placed_as_a_bracketed_form_equals_one_placed_as_json(client, world):
    catalog = await make_catalog(client, world)
    form = urlencode(
        [
            ("lines[0][item_id]", str(catalog.item_ids[0])),
            ("lines[0][count]", "2"),
            ("lines[0][suite_codes][]", "CBC"),
            ("lines[1][kit_id]", str(catalog.kit_id)),
            ("tags[]", "a"),
            ("tags[]", "b"),
            ("external_order_ids[]", "ext-9"),
            ("shipping_option", "overnight"),
            ("shipping_address[city]", "Boston"),
            ("data[priority]", "high"),
            ("memo", "by form"),
        ]
    )
    as_form = await created(
        await client.post("/v1/orders", content=form, headers={**world.auth("customer"), **FORM})
    )
    as_json = await created(
        await _place(
            client,
            world,
            lines=[
                {"item_id": catalog.item_ids[0], "count": 2, "suite_codes": ["CBC"]},
                {"kit_id": catalog.kit_id},
            ],
            tags=["a", "b"],
            external_order_ids=["ext-9"],
            shipping_option="overnight",
            shipping_address={"city": "Boston"},
            data={"priority": "high"},
            memo="by form",
        )
    )
    volatile = {"id", "project_id", "created_at", "updated_at", "lines"}
    assert {k: v for k, v in as_form.items() if k not in volatile} == {
        k: v for k, v in as_json.items() if k not in volatile
    }
    shape = [
        (
            line["item"] and line["item"]["id"],
            line["kit"] and line["kit"]["id"],
            line["count"],
            line["suite_codes"],
        )
        for line in as_form["lines"]
    ]
    assert shape == [(catalog.item_ids[0], None, 2, ["CBC"]), (None, catalog.kit_id, 1, [])]


async def test_a_form_order_with_a_bad_count_names_the_line_field(client, world):
    catalog = await make_catalog(client, world)
    form = urlencode([("lines[0][item_id]", str(catalog.item_ids[0])), ("lines[0][count]", "lots")])
    response = await client.post(
        "/v1/orders", content=form, headers={**world.auth("customer"), **FORM}
    )
    assert pointers(problem(response, 422)) == {"/lines/0/count"}


async def test_an_order_can_be_edited_with_a_form(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    form = urlencode([("memo", "edited"), ("tags[]", "x"), ("shipping_address[city]", "Lyon")])
    response = await client.patch(
        f"/v1/orders/{order['id']}", content=form, headers={**world.auth("customer"), **FORM}
    )
    assert response.status_code == 200, response.text
    assert (response.json()["memo"], response.json()["tags"]) == ("edited", ["x"])
    assert response.json()["shipping_address"]["city"] == "Lyon"


async def test_a_move_can_be_requested_with_a_form(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await client.post(
        f"/v1/orders/{order['id']}/transitions",
        content=urlencode({"to": "processing", "reason": "stock in"}),
        headers={**world.auth("supplier"), **FORM},
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"]["id"] == "processing"
