"""Bad input is refused with a problem naming each offending part, and nothing is written."""

import json

import pytest
from sqlalchemy import func, select

from orderdesk.catalog.models import Kit, KitItem
from tests.api.builders import (
    make_catalog,
    make_order,
    make_patient,
    make_site,
    parameters,
    pointers,
    problem,
)

MARK = "Should-not-exist"

#: route -> (who creates, a valid body, the field that shows whether it was written)
CREATES = {
    "/v1/accounts": ("admin", {"kind": "customer", "name": MARK}, "name"),
    "/v1/credentials": ("admin", {"name": MARK, "role": "admin"}, "name"),
    "/v1/sites": ("customer", {"name": MARK}, "name"),
    "/v1/patients": ("customer", {"first_name": "A", "last_name": MARK}, "last_name"),
    "/v1/manufacturers": ("supplier", {"name": MARK}, "name"),
    "/v1/items": ("supplier", {"sku": "S", "name": MARK}, "name"),
    "/v1/kits": ("supplier", {"name": MARK}, "name"),
    "/v1/products": ("supplier", {"name": MARK, "price": "1", "currency": "USD"}, "name"),
}
SERVER_OWNED = {
    "id": 12345,
    "tenant_id": 1,
    "version": 7,
    "created_at": "2020-01-01T00:00:00Z",
    "updated_at": "2020-01-01T00:00:00Z",
}


async def written(client, world, path: str) -> bool:
    who, _, field = CREATES[path]
    auth = world.auth("admin" if path == "/v1/credentials" else who)
    response = await client.get(path, params={"limit": 500}, headers=auth)
    assert response.status_code == 200, response.text
    return any(row[field] == MARK for row in response.json()["items"])


# --- server-owned fields ---------------------------------------------------


@pytest.mark.parametrize("field", SERVER_OWNED)
@pytest.mark.parametrize("path", CREATES)
async def test_a_server_owned_field_in_a_create_body_is_refused(client, world, path, field):
    who, body, _ = CREATES[path]
    response = await client.post(
        path, json={**body, field: SERVER_OWNED[field]}, headers=world.auth(who)
    )
    assert pointers(problem(response, 422)) == {f"/{field}"}
    assert not await written(client, world, path)


@pytest.mark.parametrize("field", [*SERVER_OWNED, "account_id"])
async def test_a_server_owned_field_in_an_update_body_is_refused(client, world, field):
    site = await make_site(client, world)
    value = SERVER_OWNED.get(field, world.accounts["customer_other"])
    response = await client.patch(
        f"/v1/sites/{site['id']}", json={"name": "New", field: value}, headers=world.auth("admin")
    )
    assert pointers(problem(response, 422)) == {f"/{field}"}
    stored = await client.get(f"/v1/sites/{site['id']}", headers=world.auth("customer"))
    assert stored.json() == site


# --- required, typed, bounded fields ---------------------------------------


@pytest.mark.parametrize(
    ("path", "missing"),
    [
        ("/v1/accounts", "kind"),
        ("/v1/credentials", "role"),
        ("/v1/sites", "name"),
        ("/v1/patients", "first_name"),
        ("/v1/items", "sku"),
        ("/v1/products", "price"),
    ],
)
async def test_a_missing_required_field_is_named(client, world, path, missing):
    who, body, _ = CREATES[path]
    body = {k: v for k, v in body.items() if k != missing}
    response = await client.post(path, json=body, headers=world.auth(who))
    assert pointers(problem(response, 422)) == {f"/{missing}"}
    assert not await written(client, world, path)


async def test_a_field_of_the_wrong_type_is_named(client, world):
    response = await client.post(
        "/v1/sites", json={"name": MARK, "active": "sometimes"}, headers=world.auth("customer")
    )
    assert pointers(problem(response, 422)) == {"/active"}
    assert not await written(client, world, "/v1/sites")


async def test_a_number_is_not_taken_for_a_name(client, world):
    response = await client.post("/v1/sites", json={"name": 5}, headers=world.auth("customer"))
    assert pointers(problem(response, 422)) == {"/name"}


async def test_every_offending_field_is_named_at_once(client, world):
    response = await client.post(
        "/v1/patients",
        json={
            "first_name": "",
            "sex": "robot",
            "date_of_birth": "yesterday",
            "address": {"city": 7},
        },
        headers=world.auth("customer"),
    )
    assert pointers(problem(response, 422)) == {
        "/first_name",
        "/last_name",
        "/sex",
        "/date_of_birth",
        "/address/city",
    }
    assert all(e["detail"] for e in response.json()["errors"])


async def test_a_nested_field_is_named_by_its_full_pointer(client, world):
    catalog = await make_catalog(client, world)
    response = await client.post(
        "/v1/kits",
        json={"name": "K", "kit_items": [{"item_id": catalog.item_ids[0], "count": 0}]},
        headers=world.auth("supplier"),
    )
    assert pointers(problem(response, 422)) == {"/kit_items/0/count"}


async def test_a_name_may_be_200_characters_but_not_201(client, world):
    auth = world.auth("supplier")
    ok = await client.post("/v1/manufacturers", json={"name": "m" * 200}, headers=auth)
    assert ok.status_code == 201
    too_long = await client.post("/v1/manufacturers", json={"name": "m" * 201}, headers=auth)
    assert pointers(problem(too_long, 422)) == {"/name"}


@pytest.mark.parametrize("field", ["first_name", "last_name"])
async def test_a_patient_name_is_at_most_100_characters(client, world, field):
    body = {"first_name": "A", "last_name": MARK, field: "x" * 101}
    response = await client.post("/v1/patients", json=body, headers=world.auth("customer"))
    assert pointers(problem(response, 422)) == {f"/{field}"}
    assert not await written(client, world, "/v1/patients")


async def test_a_product_discount_is_at_most_100_characters(client, world):
    who, body, _ = CREATES["/v1/products"]
    response = await client.post(
        "/v1/products", json={**body, "discount": "d" * 101}, headers=world.auth(who)
    )
    assert pointers(problem(response, 422)) == {"/discount"}


async def test_a_blank_name_is_refused(client, world):
    response = await client.post("/v1/sites", json={"name": "   "}, headers=world.auth("customer"))
    assert pointers(problem(response, 422)) == {"/name"}


async def test_a_list_longer_than_100_entries_is_refused(client, world):
    catalog = await make_catalog(client, world)
    rows = [{"item_id": catalog.item_ids[0]}] * 101
    response = await client.post(
        "/v1/kits", json={"name": MARK, "kit_items": rows}, headers=world.auth("supplier")
    )
    assert pointers(problem(response, 422)) == {"/kit_items"}
    assert not await written(client, world, "/v1/kits")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/sites/{site}", "name"),
        ("/v1/sites/{site}", "active"),
        ("/v1/patients/{patient}", "first_name"),
        ("/v1/patients/{patient}", "archived"),
        ("/v1/items/{item}", "sku"),
        ("/v1/kits/{kit}", "kit_items"),
        ("/v1/products/{product}", "price"),
        ("/v1/manufacturers/{manufacturer}", "name"),
    ],
)
async def test_null_cannot_clear_a_field_that_always_has_a_value(client, world, path, field):
    catalog = await make_catalog(client, world)
    url = path.format(
        site=(await make_site(client, world))["id"],
        patient=(await make_patient(client, world))["id"],
        item=catalog.item_ids[0],
        kit=catalog.kit_id,
        product=catalog.product_id,
        manufacturer=catalog.manufacturer_id,
    )
    before = (await client.get(url, headers=world.auth("admin"))).json()
    response = await client.patch(url, json={field: None}, headers=world.auth("admin"))
    assert pointers(problem(response, 422)) == {f"/{field}"}
    assert (await client.get(url, headers=world.auth("admin"))).json() == before


async def test_null_clears_an_optional_field(client, world):
    site = await make_site(client, world, phone_number="555-0100")
    response = await client.patch(
        f"/v1/sites/{site['id']}", json={"phone_number": None}, headers=world.auth("customer")
    )
    assert response.status_code == 200
    assert response.json()["phone_number"] is None


# --- malformed and oversized bodies ----------------------------------------


async def test_a_body_that_is_not_json_is_refused(client, world):
    response = await client.post(
        "/v1/sites",
        content=b'{"name": ',
        headers={**world.auth("customer"), "content-type": "application/json"},
    )
    assert pointers(problem(response, 422)) == {""}


async def test_a_body_that_is_not_an_object_is_refused(client, world):
    response = await client.post("/v1/sites", json=["name"], headers=world.auth("customer"))
    assert pointers(problem(response, 422)) == {""}


async def test_a_body_just_under_the_limit_is_accepted(client, world):
    body = b'{"name": "padded"' + b" " * (60 * 1024) + b"}"
    response = await client.post(
        "/v1/sites",
        content=body,
        headers={**world.auth("customer"), "content-type": "application/json"},
    )
    assert response.status_code == 201, response.text


async def test_a_body_over_the_limit_is_413(client, world):
    body = json.dumps({"name": MARK, "note": "x" * (65 * 1024)}).encode()
    response = await client.post(
        "/v1/sites",
        content=body,
        headers={**world.auth("customer"), "content-type": "application/json"},
    )
    problem(response, 413)
    assert not await written(client, world, "/v1/sites")


async def test_a_streamed_body_over_the_limit_is_413(client, world):
    async def chunks():
        yield b'{"name": "' + MARK.encode() + b'", "x": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}'

    response = await client.post(
        "/v1/sites",
        content=chunks(),
        headers={**world.auth("customer"), "content-type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    problem(response, 413)
    assert not await written(client, world, "/v1/sites")


# --- parameters ------------------------------------------------------------


@pytest.mark.parametrize("limit", ["501", "0", "-1", "many"])
async def test_a_bad_page_size_names_the_limit_parameter(client, world, limit):
    response = await client.get(
        "/v1/items", params={"limit": limit}, headers=world.auth("customer")
    )
    assert parameters(problem(response, 422)) == {"limit"}


async def test_an_unknown_sort_names_the_sort_parameter_and_the_choices(client, world):
    response = await client.get(
        "/v1/items", params={"sort": "price"}, headers=world.auth("customer")
    )
    body = problem(response, 422)
    assert parameters(body) == {"sort"}
    assert "sku" in body["errors"][0]["detail"]


@pytest.mark.parametrize("cursor", ["not-a-cursor", "e30", "!!!"])
async def test_an_invalid_cursor_names_the_cursor_parameter(client, world, cursor):
    response = await client.get(
        "/v1/items", params={"cursor": cursor}, headers=world.auth("customer")
    )
    assert parameters(problem(response, 400)) == {"cursor"}


async def test_a_bad_filter_names_its_parameter(client, world):
    response = await client.get(
        "/v1/patients", params={"archived": "perhaps"}, headers=world.auth("customer")
    )
    assert parameters(problem(response, 422)) == {"archived"}


async def test_an_id_filter_beyond_64_bits_is_refused(client, world):
    response = await client.get(
        "/v1/items", params={"account_id": str(2**64)}, headers=world.auth("customer")
    )
    assert parameters(problem(response, 422)) == {"account_id"}


@pytest.mark.parametrize(
    "path",
    ["accounts", "credentials", "patients", "sites", "manufacturers", "items", "kits", "products"],
)
async def test_an_id_beyond_64_bits_is_simply_not_found(client, world, path):
    response = await client.get(f"/v1/{path}/{2**64}", headers=world.auth("admin"))
    problem(response, 404)


# --- nothing half-written --------------------------------------------------


async def count_kit_rows(sessions, tenant_id: int) -> tuple[int, int]:
    async with sessions() as session:
        kits = await session.scalar(
            select(func.count()).select_from(Kit).where(Kit.tenant_id == tenant_id)
        )
        rows = await session.scalar(
            select(func.count()).select_from(KitItem).where(KitItem.tenant_id == tenant_id)
        )
    return kits, rows


async def test_a_failed_kit_create_leaves_no_rows(client, world, sessions):
    catalog = await make_catalog(client, world)
    before = await count_kit_rows(sessions, world.tenant_id)
    response = await client.post(
        "/v1/kits",
        json={
            "name": MARK,
            "kit_items": [{"item_id": catalog.item_ids[0]}, {"item_id": 10**12}],
        },
        headers=world.auth("supplier"),
    )
    assert pointers(problem(response, 422)) == {"/kit_items/1/item_id"}
    assert await count_kit_rows(sessions, world.tenant_id) == before


async def test_a_failed_kit_update_keeps_the_old_items(client, world, sessions):
    catalog = await make_catalog(client, world)
    url = f"/v1/kits/{catalog.kit_id}"
    before = (await client.get(url, headers=world.auth("supplier"))).json()
    rows_before = await count_kit_rows(sessions, world.tenant_id)
    response = await client.patch(
        url,
        json={"name": "Renamed", "kit_items": [{"item_id": 10**12}]},
        headers=world.auth("supplier"),
    )
    problem(response, 422)
    assert (await client.get(url, headers=world.auth("supplier"))).json() == before
    assert await count_kit_rows(sessions, world.tenant_id) == rows_before


@pytest.mark.parametrize("action", ["cancel", "returns/received"])
async def test_a_null_body_where_the_body_may_be_left_out_is_refused(client, world, action):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    response = await client.post(
        f"/v1/orders/{order['id']}/{action}",
        content=b"null",
        headers={**world.auth("admin"), "Content-Type": "application/json"},
    )
    assert pointers(problem(response, 422)) == {""}
