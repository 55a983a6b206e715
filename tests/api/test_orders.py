"""Placing, reading, editing and moving one order through the native API.

Orders follow the tenant's default workflow, "impilo-device":
new -> reconfirmAddress | processing -> shipped -> delivered, with customers
(and admins) cancelling before shipping and suppliers (and admins) driving
fulfilment.
"""

from __future__ import annotations

import pytest

from tests.api.builders import (
    created,
    credential_id,
    make_catalog,
    make_order,
    make_patient,
    make_site,
    move,
    moved,
    pointers,
    problem,
    product_following,
    read_order,
    timeline_of,
    without_id,
)


def status_of(order: dict) -> tuple:
    status = order["status"]
    return status["id"], status["name"], status["type"], status["outcome"]


# --- who the order is for and from ---------------------------------------------


async def test_a_customer_orders_for_its_own_account_without_naming_it(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    assert order["customer_account_id"] == world.accounts["customer"]


async def test_a_customer_may_name_its_own_account(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, customer_account_id=world.accounts["customer"])
    assert order["customer_account_id"] == world.accounts["customer"]


async def test_a_customer_cannot_place_an_order_for_another_customer(client, world):
    catalog = await make_catalog(client, world)
    response = await client.post(
        "/v1/orders",
        json={
            "customer_account_id": world.accounts["customer_other"],
            "lines": [{"item_id": catalog.item_ids[0]}],
        },
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/customer_account_id"}


async def test_an_admin_must_name_the_customer_account(client, world):
    catalog = await make_catalog(client, world)
    response = await client.post(
        "/v1/orders",
        json={"lines": [{"item_id": catalog.item_ids[0]}]},
        headers=world.auth("admin"),
    )
    assert pointers(problem(response, 422)) == {"/customer_account_id"}


async def test_an_admin_places_an_order_for_the_customer_it_names(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(
        client, world, catalog, customer="admin", customer_account_id=world.accounts["customer"]
    )
    assert order["customer_account_id"] == world.accounts["customer"]
    assert (await read_order(client, world, order["id"], who="customer"))["id"] == order["id"]


async def test_an_admin_cannot_name_a_supplier_as_the_customer(client, world):
    catalog = await make_catalog(client, world)
    response = await client.post(
        "/v1/orders",
        json={
            "customer_account_id": world.accounts["supplier"],
            "lines": [{"item_id": catalog.item_ids[0]}],
        },
        headers=world.auth("admin"),
    )
    assert pointers(problem(response, 422)) == {"/customer_account_id"}


async def test_the_supplier_is_the_one_whose_catalog_the_lines_come_from(client, world):
    catalog = await make_catalog(client, world, supplier="supplier_other")
    order = await make_order(client, world, catalog)
    assert order["supplier_account_id"] == world.accounts["supplier_other"]


async def test_a_named_supplier_that_owns_every_line_is_accepted(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, supplier_account_id=world.accounts["supplier"])
    assert order["supplier_account_id"] == world.accounts["supplier"]


async def test_a_named_supplier_must_own_the_ordered_catalog_entries(client, world):
    catalog = await make_catalog(client, world)
    response = await client.post(
        "/v1/orders",
        json={
            "supplier_account_id": world.accounts["supplier_other"],
            "lines": [{"item_id": catalog.item_ids[0]}],
        },
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/supplier_account_id"}


async def test_a_named_supplier_must_be_a_supplier_account(client, world):
    catalog = await make_catalog(client, world)
    response = await client.post(
        "/v1/orders",
        json={
            "supplier_account_id": world.accounts["customer_other"],
            "lines": [{"item_id": catalog.item_ids[0]}],
        },
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/supplier_account_id"}


async def test_an_order_cannot_mix_lines_from_two_suppliers(client, world):
    ours = await make_catalog(client, world)
    theirs = await make_catalog(client, world, supplier="supplier_other")
    response = await client.post(
        "/v1/orders",
        json={"lines": [{"item_id": ours.item_ids[0]}, {"item_id": theirs.item_ids[0]}]},
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/supplier_account_id"}


# --- patient or site -------------------------------------------------------------


async def test_an_order_may_be_for_a_site_of_the_customer(client, world):
    catalog = await make_catalog(client, world)
    site = await make_site(client, world)
    order = await make_order(client, world, catalog, site_id=site["id"])
    assert order["site"]["id"] == site["id"]
    assert order["patient"] is None


async def test_an_order_is_for_a_patient_or_a_site_not_both(client, world):
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    site = await make_site(client, world)
    response = await client.post(
        "/v1/orders",
        json={
            "patient_id": patient["id"],
            "site_id": site["id"],
            "lines": [{"item_id": catalog.item_ids[0]}],
        },
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/patient_id", "/site_id"}


async def test_a_customer_cannot_order_for_another_customers_patient(client, world):
    catalog = await make_catalog(client, world)
    patient = await make_patient(
        client, world, customer="customer_other", first_name="Zebedee", last_name="Quorn"
    )
    response = await client.post(
        "/v1/orders",
        json={"patient_id": patient["id"], "lines": [{"item_id": catalog.item_ids[0]}]},
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/patient_id"}
    assert "Zebedee" not in response.text and "Quorn" not in response.text


async def test_another_customers_patient_is_refused_exactly_like_an_unknown_one(client, world):
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world, customer="customer_other")
    unknown_id = patient["id"] + 1_000_000

    async def order_for(patient_id: int) -> dict:
        response = await client.post(
            "/v1/orders",
            json={"patient_id": patient_id, "lines": [{"item_id": catalog.item_ids[0]}]},
            headers=world.auth("customer"),
        )
        assert response.status_code == 422, response.text
        return without_id(response.json(), patient_id)

    assert await order_for(patient["id"]) == await order_for(unknown_id)


async def test_a_patient_of_another_tenant_cannot_be_ordered_for(client, world, other_world):
    catalog = await make_catalog(client, world)
    stranger = await make_patient(client, other_world)
    response = await client.post(
        "/v1/orders",
        json={"patient_id": stranger["id"], "lines": [{"item_id": catalog.item_ids[0]}]},
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/patient_id"}


async def test_a_customer_cannot_order_for_another_customers_site(client, world):
    catalog = await make_catalog(client, world)
    site = await make_site(client, world, customer="customer_other")
    response = await client.post(
        "/v1/orders",
        json={"site_id": site["id"], "lines": [{"item_id": catalog.item_ids[0]}]},
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/site_id"}


async def test_an_archived_patient_cannot_be_ordered_for(client, world):
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world, archived=True)
    response = await client.post(
        "/v1/orders",
        json={"patient_id": patient["id"], "lines": [{"item_id": catalog.item_ids[0]}]},
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/patient_id"}


async def test_an_inactive_site_cannot_be_ordered_for(client, world):
    catalog = await make_catalog(client, world)
    site = await make_site(client, world, active=False)
    response = await client.post(
        "/v1/orders",
        json={"site_id": site["id"], "lines": [{"item_id": catalog.item_ids[0]}]},
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/site_id"}


# --- what is ordered ---------------------------------------------------------------


async def test_an_unknown_item_is_named_by_the_pointer_of_its_line(client, world):
    catalog = await make_catalog(client, world)
    response = await client.post(
        "/v1/orders",
        json={"lines": [{"item_id": catalog.item_ids[0]}, {"item_id": 10**12}]},
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/lines/1/item_id"}


async def test_an_unknown_kit_is_named_by_the_pointer_of_its_line(client, world):
    await make_catalog(client, world)
    response = await client.post(
        "/v1/orders", json={"lines": [{"kit_id": 10**12}]}, headers=world.auth("customer")
    )
    assert pointers(problem(response, 422)) == {"/lines/0/kit_id"}


async def test_an_unknown_product_line_is_named_by_the_pointer_of_its_line(client, world):
    await make_catalog(client, world)
    response = await client.post(
        "/v1/orders", json={"lines": [{"product_id": 10**12}]}, headers=world.auth("customer")
    )
    assert pointers(problem(response, 422)) == {"/lines/0/product_id"}


async def test_an_unknown_order_product_is_named_by_its_pointer(client, world):
    catalog = await make_catalog(client, world)
    response = await client.post(
        "/v1/orders",
        json={"product_id": 10**12, "lines": [{"item_id": catalog.item_ids[0]}]},
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/product_id"}


async def test_every_unknown_entry_is_named_in_one_answer(client, world):
    await make_catalog(client, world)
    response = await client.post(
        "/v1/orders",
        json={"lines": [{"item_id": 10**12}, {"kit_id": 10**12}]},
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/lines/0/item_id", "/lines/1/kit_id"}


async def test_an_item_of_another_tenant_is_an_unknown_item(client, world, other_world):
    stranger = await make_catalog(client, other_world)
    response = await client.post(
        "/v1/orders",
        json={"lines": [{"item_id": stranger.item_ids[0]}]},
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/lines/0/item_id"}


async def test_an_item_that_is_not_orderable_is_refused(client, world):
    catalog = await make_catalog(client, world)
    r = await client.patch(
        f"/v1/items/{catalog.item_ids[1]}",
        json={"orderable": False},
        headers=world.auth("supplier"),
    )
    assert r.status_code == 200, r.text
    response = await client.post(
        "/v1/orders",
        json={"lines": [{"item_id": catalog.item_ids[0]}, {"item_id": catalog.item_ids[1]}]},
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/lines/1/item_id"}


async def test_a_product_that_is_not_orderable_is_refused(client, world):
    catalog = await make_catalog(client, world)
    r = await client.patch(
        f"/v1/products/{catalog.product_id}",
        json={"orderable": False},
        headers=world.auth("supplier"),
    )
    assert r.status_code == 200, r.text
    response = await client.post(
        "/v1/orders", json={"product_id": catalog.product_id}, headers=world.auth("customer")
    )
    assert pointers(problem(response, 422)) == {"/product_id"}


async def test_an_archived_kit_is_refused(client, world):
    catalog = await make_catalog(client, world)
    r = await client.patch(
        f"/v1/kits/{catalog.kit_id}", json={"archived": True}, headers=world.auth("supplier")
    )
    assert r.status_code == 200, r.text
    response = await client.post(
        "/v1/orders", json={"lines": [{"kit_id": catalog.kit_id}]}, headers=world.auth("customer")
    )
    assert pointers(problem(response, 422)) == {"/lines/0/kit_id"}


async def test_a_kit_line_shows_the_kit_and_its_items(client, world):
    catalog = await make_catalog(client, world)
    order = await created(
        await client.post(
            "/v1/orders",
            json={"lines": [{"kit_id": catalog.kit_id, "count": 2}]},
            headers=world.auth("customer"),
        )
    )
    (line,) = order["lines"]
    assert line["kit"]["id"] == catalog.kit_id and line["count"] == 2
    assert [k["item"]["id"] for k in line["kit"]["kit_items"]] == [catalog.item_ids[0]]


async def test_an_order_needs_a_line_or_a_product(client, world):
    await make_catalog(client, world)
    response = await client.post(
        "/v1/orders",
        json={"supplier_account_id": world.accounts["supplier"], "lines": []},
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {"/lines"}


async def test_an_order_for_a_product_alone_gets_one_line_for_it(client, world):
    catalog = await make_catalog(client, world)
    order = await created(
        await client.post(
            "/v1/orders", json={"product_id": catalog.product_id}, headers=world.auth("customer")
        )
    )
    assert [(line["product"]["id"], line["count"]) for line in order["lines"]] == [
        (catalog.product_id, 1)
    ]
    assert order["supplier_account_id"] == world.accounts["supplier"]


async def test_the_product_price_is_kept_as_it_was_when_ordered(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, product_id=catalog.product_id)
    r = await client.patch(
        f"/v1/products/{catalog.product_id}",
        json={"price": "1.50", "currency": "EUR", "discount": "0", "name": "Renamed"},
        headers=world.auth("supplier"),
    )
    assert r.status_code == 200, r.text
    product = (await read_order(client, world, order["id"]))["product"]
    assert product == {
        "id": catalog.product_id,
        "name": "Clear aligner B",
        "price": "360000.00",
        "currency": "KRW",
        "discount": "10",
    }


async def test_an_order_of_items_only_has_no_product(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    assert order["product"] is None


async def test_an_order_keeps_what_the_customer_sent(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(
        client,
        world,
        catalog,
        memo="leave at reception",
        data={"priority": 2, "nested": {"a": [1, 2]}},
        tags=["rush", "vip"],
        external_order_ids=["ext-1", "ext-2"],
        shipping_option="overnight",
        shipping_address={"line_one": "1 Main St", "city": "Boston", "zip_code": "02101"},
        billing_address={"city": "Cambridge"},
    )
    stored = await read_order(client, world, order["id"])
    assert stored["memo"] == "leave at reception"
    assert stored["data"] == {"priority": 2, "nested": {"a": [1, 2]}}
    assert stored["tags"] == ["rush", "vip"]
    assert stored["external_order_ids"] == ["ext-1", "ext-2"]
    assert stored["shipping_option"] == "overnight"
    assert stored["shipping_address"]["city"] == "Boston"
    assert stored["shipping_address"]["zip_code"] == "02101"
    assert stored["billing_address"]["city"] == "Cambridge"


async def test_the_shipping_option_defaults_to_standard(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    assert order["shipping_option"] == "standard"


# --- the answer to a create and a read ----------------------------------------------


async def test_a_new_order_starts_in_the_initial_state_of_the_tenant_workflow(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    assert order["workflow"]["key"] == "impilo-device"
    assert status_of(order) == ("new", "New", "NEW", None)


async def test_a_new_order_is_at_version_1(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    assert order["version"] == 1


async def test_creating_answers_the_location_and_etag_of_the_new_order(client, world):
    catalog = await make_catalog(client, world)
    response = await client.post(
        "/v1/orders",
        json={"lines": [{"item_id": catalog.item_ids[0]}]},
        headers=world.auth("customer"),
    )
    order = await created(response)
    assert response.headers["Location"] == f"/v1/orders/{order['id']}"
    assert response.headers["ETag"] == f'"{order["version"]}"'


async def test_reading_an_order_answers_its_version_as_a_strong_etag(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    await client.post(
        f"/v1/orders/{order['id']}/notes", json={"text": "bump"}, headers=world.auth("customer")
    )
    response = await client.get(f"/v1/orders/{order['id']}", headers=world.auth("customer"))
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{response.json()["version"]}"'
    assert response.json()["version"] == order["version"] + 1


async def test_an_order_lists_only_the_moves_the_caller_may_take_now(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)

    async def moves_for(who: str) -> list[str]:
        return [t["to"] for t in (await read_order(client, world, order["id"], who))["transitions"]]

    assert await moves_for("customer") == ["cancelled"]
    assert await moves_for("supplier") == ["reconfirmAddress", "processing"]
    assert await moves_for("admin") == ["reconfirmAddress", "processing", "cancelled"]


# --- editing ------------------------------------------------------------------------


async def test_editing_an_order_changes_only_the_fields_given(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, memo="before", tags=["a"])
    response = await client.patch(
        f"/v1/orders/{order['id']}",
        json={"memo": "after", "shipping_option": "overnight"},
        headers=world.auth("customer"),
    )
    assert response.status_code == 200, response.text
    stored = await read_order(client, world, order["id"])
    assert (stored["memo"], stored["shipping_option"], stored["tags"]) == (
        "after",
        "overnight",
        ["a"],
    )


async def test_editing_replaces_tags_and_external_ids_as_a_whole(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, tags=["a", "b"], external_order_ids=["x"])
    response = await client.patch(
        f"/v1/orders/{order['id']}",
        json={"tags": ["c"], "external_order_ids": []},
        headers=world.auth("customer"),
    )
    assert response.status_code == 200, response.text
    assert (response.json()["tags"], response.json()["external_order_ids"]) == (["c"], [])


async def test_an_address_can_be_cleared_with_null(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, shipping_address={"city": "Boston"})
    response = await client.patch(
        f"/v1/orders/{order['id']}", json={"shipping_address": None}, headers=world.auth("customer")
    )
    assert response.status_code == 200, response.text
    assert response.json()["shipping_address"] is None


async def test_an_address_in_a_patch_is_a_merge_patch(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(
        client,
        world,
        catalog,
        shipping_address={"line_one": "1 Main St", "city": "Boston", "zip_code": "02101"},
    )
    response = await client.patch(
        f"/v1/orders/{order['id']}",
        json={"shipping_address": {"city": "Salem", "zip_code": None}},
        headers=world.auth("customer"),
    )
    assert response.status_code == 200, response.text
    address = response.json()["shipping_address"]
    assert (address["line_one"], address["city"], address["zip_code"]) == (
        "1 Main St",
        "Salem",
        None,
    )
    events = await timeline_of(client, world, order["id"])
    assert events[-1]["data"]["fields"]["shipping_address"]["to"] == {
        "line_one": "1 Main St",
        "city": "Salem",
    }


async def test_an_edit_answers_the_new_version_as_its_etag(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await client.patch(
        f"/v1/orders/{order['id']}", json={"memo": "x"}, headers=world.auth("customer")
    )
    assert response.status_code == 200, response.text
    assert response.json()["version"] == order["version"] + 1
    assert response.headers["ETag"] == f'"{order["version"] + 1}"'


async def test_an_edit_with_the_current_etag_is_accepted(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await client.patch(
        f"/v1/orders/{order['id']}",
        json={"memo": "x"},
        headers={**world.auth("customer"), "If-Match": f'"{order["version"]}"'},
    )
    assert response.status_code == 200, response.text


async def test_an_edit_with_a_stale_etag_is_refused_and_changes_nothing(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, memo="first")
    stale = f'"{order["version"]}"'
    auth = world.auth("customer")
    first = await client.patch(
        f"/v1/orders/{order['id']}", json={"memo": "second"}, headers={**auth, "If-Match": stale}
    )
    assert first.status_code == 200, first.text
    lost = await client.patch(
        f"/v1/orders/{order['id']}", json={"memo": "third"}, headers={**auth, "If-Match": stale}
    )
    assert lost.status_code == 412, lost.text
    assert lost.json()["version"] == first.json()["version"]
    stored = await read_order(client, world, order["id"])
    assert (stored["memo"], stored["version"]) == ("second", first.json()["version"])


async def test_an_if_match_that_is_not_an_etag_is_refused_naming_the_header(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await client.patch(
        f"/v1/orders/{order['id']}",
        json={"memo": "x"},
        headers={**world.auth("customer"), "If-Match": "yesterday"},
    )
    assert response.status_code == 422
    assert [e.get("parameter") for e in response.json()["errors"]] == ["If-Match"]


async def test_an_edit_that_changes_nothing_keeps_the_version(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, memo="same", tags=["t"])
    response = await client.patch(
        f"/v1/orders/{order['id']}",
        json={"memo": "same", "tags": ["t"]},
        headers=world.auth("customer"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["version"] == order["version"]


async def test_a_closed_order_cannot_be_edited(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, memo="final")
    r = await client.post(f"/v1/orders/{order['id']}/cancel", headers=world.auth("customer"))
    assert r.status_code == 200, r.text
    response = await client.patch(
        f"/v1/orders/{order['id']}", json={"memo": "changed"}, headers=world.auth("admin")
    )
    assert response.status_code == 409, response.text
    assert (await read_order(client, world, order["id"]))["memo"] == "final"


# --- notes and tracking numbers ------------------------------------------------------


async def test_a_note_is_added_with_its_author(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    note = await created(
        await client.post(
            f"/v1/orders/{order['id']}/notes",
            json={"text": "  call before delivery  "},
            headers=world.auth("supplier"),
        )
    )
    assert (note["author"], note["text"]) == ("supplier:supplier", "call before delivery")
    notes = (await read_order(client, world, order["id"]))["notes"]
    assert [(n["id"], n["text"]) for n in notes] == [(note["id"], "call before delivery")]


async def test_a_note_shows_the_account_that_wrote_it(client, world):
    supplier_id = world.accounts["supplier"]
    r = await client.patch(
        f"/v1/accounts/{supplier_id}",
        json={"contact_given_name": "Sam", "contact_family_name": "Whitfield"},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200, r.text
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, notes=["placed"])
    note = await created(
        await client.post(
            f"/v1/orders/{order['id']}/notes",
            json={"text": "packed"},
            headers=world.auth("supplier"),
        )
    )
    author = note["author_account"]
    assert (author["id"], author["contact_given_name"], author["contact_family_name"]) == (
        supplier_id,
        "Sam",
        "Whitfield",
    )
    notes = (await read_order(client, world, order["id"], who="customer"))["notes"]
    assert [(n["text"], n["author_account"]["id"]) for n in notes] == [
        ("placed", world.accounts["customer"]),
        ("packed", supplier_id),
    ]
    assert notes[1]["author_account"] == author


async def test_a_note_by_an_admin_key_has_no_author_account(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    note = await created(
        await client.post(
            f"/v1/orders/{order['id']}/notes", json={"text": "checked"}, headers=world.auth("admin")
        )
    )
    assert note["author_account"] is None
    assert note["credential_id"] == await credential_id(client, world, "admin")
    (stored,) = (await read_order(client, world, order["id"]))["notes"]
    assert (stored["text"], stored["author_account"]) == ("checked", None)


async def test_the_supplier_adds_a_tracking_number(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    tracking = await created(
        await client.post(
            f"/v1/orders/{order['id']}/tracking-numbers",
            json={"carrier": "UPS", "value": "1Z999"},
            headers=world.auth("supplier"),
        )
    )
    assert (tracking["carrier"], tracking["value"]) == ("UPS", "1Z999")
    stored = (await read_order(client, world, order["id"], who="customer"))["tracking_numbers"]
    assert [(t["carrier"], t["value"]) for t in stored] == [("UPS", "1Z999")]


async def test_an_admin_adds_a_tracking_number(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await client.post(
        f"/v1/orders/{order['id']}/tracking-numbers",
        json={"carrier": "FedEx", "value": "7788"},
        headers=world.auth("admin"),
    )
    assert response.status_code == 201, response.text


# --- cancelling ---------------------------------------------------------------------


async def test_the_customer_cancels_a_new_order(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await client.post(
        f"/v1/orders/{order['id']}/cancel",
        json={"reason": "ordered twice"},
        headers=world.auth("customer"),
    )
    assert response.status_code == 200, response.text
    assert status_of(response.json()) == ("cancelled", "Cancelled", "CLOSED", "cancelled")
    assert response.json()["transitions"] == []


async def test_cancelling_needs_no_body(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await client.post(f"/v1/orders/{order['id']}/cancel", headers=world.auth("customer"))
    assert response.status_code == 200, response.text
    assert response.json()["status"]["id"] == "cancelled"


async def test_a_customer_may_cancel_while_the_order_is_processing(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    await moved(client, world, order["id"], "processing")
    response = await client.post(f"/v1/orders/{order['id']}/cancel", headers=world.auth("customer"))
    assert response.status_code == 200, response.text


async def test_a_shipped_order_cannot_be_cancelled(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    await moved(client, world, order["id"], "processing", "shipped")
    response = await client.post(f"/v1/orders/{order['id']}/cancel", headers=world.auth("customer"))
    assert response.status_code == 409, response.text
    assert response.json()["allowed"] == []


async def test_a_cancelled_order_cannot_be_cancelled_again(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    auth = world.auth("customer")
    assert (await client.post(f"/v1/orders/{order['id']}/cancel", headers=auth)).status_code == 200
    again = await client.post(f"/v1/orders/{order['id']}/cancel", headers=auth)
    assert again.status_code == 409, again.text


async def test_a_supplier_cannot_cancel_an_order_the_workflow_lets_only_buyers_cancel(
    client, world
):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await client.post(f"/v1/orders/{order['id']}/cancel", headers=world.auth("supplier"))
    assert response.status_code == 403, response.text
    assert response.json()["allowed"] == ["reconfirmAddress", "processing"]
    assert (await read_order(client, world, order["id"]))["status"]["id"] == "new"


# --- moving through the workflow -------------------------------------------------------


async def test_the_supplier_moves_a_new_order_into_processing(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await move(client, world, order["id"], "processing")
    assert response.status_code == 200, response.text
    assert status_of(response.json()) == ("processing", "Processing", "INPROGRESS", None)
    assert [t["to"] for t in response.json()["transitions"]] == ["shipped"]


async def test_an_order_delivered_is_closed_as_completed(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    done = await moved(client, world, order["id"], "processing", "shipped", "delivered")
    assert done["status"]["type"] == "CLOSED"
    assert done["status"]["outcome"] == "completed"


async def test_the_customer_confirming_the_address_releases_the_order(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    await moved(client, world, order["id"], "reconfirmAddress")
    released = await moved(client, world, order["id"], "processing", who="customer")
    assert released["status"]["id"] == "processing"


async def test_an_illegal_move_is_a_conflict_listing_the_moves_allowed_now(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await move(client, world, order["id"], "delivered")
    assert response.status_code == 409, response.text
    assert response.json()["allowed"] == ["reconfirmAddress", "processing"]


async def test_a_move_to_a_state_the_workflow_does_not_have_is_a_conflict(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await move(client, world, order["id"], "teleported")
    assert response.status_code == 409, response.text
    assert response.json()["allowed"] == ["reconfirmAddress", "processing"]


async def test_a_move_out_of_a_closed_state_is_a_conflict_with_no_moves_allowed(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    await moved(client, world, order["id"], "cancelled", who="customer")
    response = await move(client, world, order["id"], "processing")
    assert response.status_code == 409, response.text
    assert response.json()["allowed"] == []


async def test_a_move_the_callers_role_may_not_take_is_forbidden(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await move(client, world, order["id"], "processing", who="customer")
    assert response.status_code == 403, response.text
    assert response.json()["allowed"] == ["cancelled"]


async def test_an_admin_may_take_every_move(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    done = await moved(
        client,
        world,
        order["id"],
        "reconfirmAddress",
        "processing",
        "shipped",
        "delivered",
        who="admin",
    )
    assert done["status"]["id"] == "delivered"


async def _lab_request(client, world) -> dict:
    """An order following "lab-request", where a lab rejecting a request owes the reason."""
    product_id = await product_following(client, world, "lab-request")
    return await created(
        await client.post(
            "/v1/orders", json={"product_id": product_id}, headers=world.auth("customer")
        )
    )


async def test_an_order_follows_the_workflow_of_its_product(client, world):
    order = await _lab_request(client, world)
    assert order["workflow"]["key"] == "lab-request"
    assert order["status"]["id"] == "New"


async def test_a_move_that_needs_a_reason_is_refused_without_one(client, world):
    order = await _lab_request(client, world)
    response = await move(client, world, order["id"], "Rejected")
    assert pointers(problem(response, 422)) == {"/reason"}
    assert (await read_order(client, world, order["id"]))["status"]["id"] == "New"


async def test_a_blank_reason_does_not_count_as_a_reason(client, world):
    order = await _lab_request(client, world)
    response = await move(client, world, order["id"], "Rejected", reason="   ")
    assert pointers(problem(response, 422)) == {"/reason"}


async def test_a_move_that_needs_a_reason_is_taken_when_one_is_given(client, world):
    order = await _lab_request(client, world)
    response = await move(client, world, order["id"], "Rejected", reason="sample haemolysed")
    assert response.status_code == 200, response.text
    assert response.json()["status"]["outcome"] == "cancelled"


async def test_the_moves_an_order_lists_say_which_need_a_reason(client, world):
    order = await _lab_request(client, world)
    transitions = (await read_order(client, world, order["id"], who="supplier"))["transitions"]
    assert [(t["to"], t["reason_required"]) for t in transitions] == [
        ("Received", False),
        ("Rejected", True),
    ]


# --- clinical case data ------------------------------------------------------------------

CASE = {"chief_complaint": "crowding", "teeth": [11, 12, 21], "scan": {"device": "iTero"}}
PLAN = [{"type": "clear aligner", "arch": "upper", "steps": 14}, {"type": "retainer"}]


async def test_an_order_carries_its_cases_medical_records_and_treatments(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, medical_records=CASE, treatments=PLAN)
    assert (order["medical_records"], order["treatments"]) == (CASE, PLAN)
    read = await client.get(f"/v1/orders/{order['id']}", headers=world.auth("supplier"))
    assert (read.json()["medical_records"], read.json()["treatments"]) == (CASE, PLAN)


async def test_an_order_without_case_data_has_none(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    assert (order["medical_records"], order["treatments"]) == ({}, [])


async def test_an_edit_replaces_the_case_data_it_names(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, medical_records=CASE, treatments=PLAN)
    r = await client.patch(
        f"/v1/orders/{order['id']}",
        json={"treatments": [{"type": "crown", "tooth": 21}]},
        headers=world.auth("customer"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["treatments"] == [{"type": "crown", "tooth": 21}]
    assert r.json()["medical_records"] == CASE  # not named: kept


@pytest.mark.parametrize(
    ("field", "value", "pointer"),
    [
        ("medical_records", ["not", "an object"], "/medical_records"),
        ("treatments", {"type": "crown"}, "/treatments"),
        ("treatments", ["crown"], "/treatments/0"),
        ("treatments", [{"n": i} for i in range(101)], "/treatments"),
        ("medical_records", None, "/medical_records"),
    ],
)
async def test_case_data_out_of_bounds_is_refused_naming_the_field(
    client, world, field, value, pointer
):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    r = await client.patch(
        f"/v1/orders/{order['id']}", json={field: value}, headers=world.auth("customer")
    )
    assert r.status_code == 422, r.text
    assert pointer in {e.get("pointer") for e in r.json()["errors"]}
    after = await client.get(f"/v1/orders/{order['id']}", headers=world.auth("customer"))
    assert after.json()["version"] == order["version"]


# --- returns ------------------------------------------------------------------------------


async def test_returned_items_are_items_of_the_orders_supplier(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(
        client, world, catalog, returns={"items": [{"item_id": catalog.item_ids[1], "count": 2}]}
    )
    assert order["returns"]["items"] == [
        {"id": catalog.item_ids[1], "count": 2, "received_at": None}
    ]


async def test_returning_another_suppliers_item_is_refused_naming_it(client, world):
    catalog = await make_catalog(client, world)
    other = await make_catalog(client, world, supplier="supplier_other")
    body = {
        "lines": [{"item_id": catalog.item_ids[0]}],
        "returns": {"items": [{"item_id": catalog.item_ids[1]}, {"item_id": other.item_ids[0]}]},
    }
    r = await client.post("/v1/orders", json=body, headers=world.auth("customer"))
    assert r.status_code == 422, r.text
    assert [e["pointer"] for e in r.json()["errors"]] == ["/returns/items/1/item_id"]
    listed = await client.get("/v1/orders", headers=world.auth("customer"))
    assert listed.json()["items"] == []


async def test_a_weak_tag_of_the_current_version_never_matches_and_changes_nothing(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, memo="first")
    weak = f'W/"{order["version"]}"'
    response = await client.patch(
        f"/v1/orders/{order['id']}",
        json={"memo": "second"},
        headers={**world.auth("customer"), "If-Match": weak},
    )
    assert response.status_code == 412, response.text
    assert response.json()["errors"] == [
        {"parameter": "If-Match", "detail": 'a strong tag, like "3"'}
    ]
    stored = await read_order(client, world, order["id"])
    assert (stored["memo"], stored["version"]) == ("first", order["version"])
