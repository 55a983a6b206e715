"""Listing orders: only visible ones, filtered, sorted and paged by cursor."""

from __future__ import annotations

from tests.api.builders import (
    Catalog,
    all_pages,
    make_catalog,
    make_order,
    make_patient,
    make_site,
    moved,
    parameters,
    problem,
)


async def _ids(client, world, who: str = "admin", **params) -> list[int]:
    """Ids of every order ``who`` lists with these parameters, across all pages."""
    return [o["id"] for o in await all_pages(client, "/v1/orders", world.auth(who), **params)]


async def _orders(client, world, catalog: Catalog, count: int, **fields) -> list[int]:
    return [(await make_order(client, world, catalog, **fields))["id"] for _ in range(count)]


# --- scope ------------------------------------------------------------------------------


async def test_a_customer_lists_only_its_own_orders(client, world):
    catalog = await make_catalog(client, world)
    mine = await _orders(client, world, catalog, 2)
    await _orders(client, world, catalog, 1, customer="customer_other")
    assert await _ids(client, world, "customer") == mine


async def test_a_supplier_lists_only_the_orders_placed_with_it(client, world):
    ours = await make_catalog(client, world)
    theirs = await make_catalog(client, world, supplier="supplier_other")
    placed_with_us = await _orders(client, world, ours, 2)
    await _orders(client, world, theirs, 2)
    assert await _ids(client, world, "supplier") == placed_with_us


async def test_an_admin_lists_every_order_of_its_tenant_and_none_of_another(
    client, world, other_world
):
    catalog = await make_catalog(client, world)
    ours = await _orders(client, world, catalog, 1)
    ours += await _orders(client, world, catalog, 1, customer="customer_other")
    await _orders(client, other_world, await make_catalog(client, other_world), 2)
    assert await _ids(client, world) == ours


async def test_filtering_by_another_customer_shows_a_customer_nothing(client, world):
    catalog = await make_catalog(client, world)
    await _orders(client, world, catalog, 1, customer="customer_other")
    other = world.accounts["customer_other"]
    assert await _ids(client, world, "customer", customer_account_id=other) == []


async def test_a_list_renders_orders_as_a_single_read_does(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, tags=["t"], memo="m")
    (listed,) = await all_pages(client, "/v1/orders", world.auth("customer"))
    single = await client.get(f"/v1/orders/{order['id']}", headers=world.auth("customer"))
    assert listed == single.json()


# --- filters ------------------------------------------------------------------------------


async def test_filtering_by_status(client, world):
    catalog = await make_catalog(client, world)
    new, moving = await _orders(client, world, catalog, 2)
    await moved(client, world, moving, "processing")
    assert await _ids(client, world, status="processing") == [moving]
    assert await _ids(client, world, status="new") == [new]


async def test_filtering_by_status_type(client, world):
    catalog = await make_catalog(client, world)
    new, moving, closed = await _orders(client, world, catalog, 3)
    await moved(client, world, moving, "processing")
    await moved(client, world, closed, "cancelled", who="customer")
    assert await _ids(client, world, status_type="NEW") == [new]
    assert await _ids(client, world, status_type="INPROGRESS") == [moving]
    assert await _ids(client, world, status_type="CLOSED") == [closed]


async def test_an_unknown_status_type_is_refused_naming_the_parameter(client, world):
    response = await client.get("/v1/orders?status_type=DONE", headers=world.auth("admin"))
    assert parameters(problem(response, 422)) == {"status_type"}


async def test_filtering_by_patient(client, world):
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    (for_patient,) = await _orders(client, world, catalog, 1, patient_id=patient["id"])
    await _orders(client, world, catalog, 1)
    assert await _ids(client, world, patient_id=patient["id"]) == [for_patient]


async def test_filtering_by_site(client, world):
    catalog = await make_catalog(client, world)
    site = await make_site(client, world)
    (for_site,) = await _orders(client, world, catalog, 1, site_id=site["id"])
    await _orders(client, world, catalog, 1)
    assert await _ids(client, world, site_id=site["id"]) == [for_site]


async def test_filtering_by_customer_account(client, world):
    catalog = await make_catalog(client, world)
    await _orders(client, world, catalog, 1)
    theirs = await _orders(client, world, catalog, 2, customer="customer_other")
    other = world.accounts["customer_other"]
    assert await _ids(client, world, customer_account_id=other) == theirs


async def test_filtering_by_supplier_account(client, world):
    await _orders(client, world, await make_catalog(client, world), 1)
    other = await make_catalog(client, world, supplier="supplier_other")
    theirs = await _orders(client, world, other, 1)
    supplier = world.accounts["supplier_other"]
    assert await _ids(client, world, "customer", supplier_account_id=supplier) == theirs


async def test_filtering_by_external_order_id(client, world):
    catalog = await make_catalog(client, world)
    (wanted,) = await _orders(client, world, catalog, 1, external_order_ids=["a-1", "b-2"])
    await _orders(client, world, catalog, 1, external_order_ids=["a-10"])
    assert await _ids(client, world, external_order_id="b-2") == [wanted]


async def test_filtering_by_tag(client, world):
    catalog = await make_catalog(client, world)
    rush = await _orders(client, world, catalog, 2, tags=["rush", "vip"])
    await _orders(client, world, catalog, 1, tags=["slow"])
    assert await _ids(client, world, tag="rush") == rush


async def test_filters_combine(client, world):
    catalog = await make_catalog(client, world)
    rush_new, rush_moving = await _orders(client, world, catalog, 2, tags=["rush"])
    plain_moving = (await make_order(client, world, catalog))["id"]
    for oid in (rush_moving, plain_moving):
        await moved(client, world, oid, "processing")
    assert await _ids(client, world, tag="rush", status="processing") == [rush_moving]
    assert rush_new not in await _ids(client, world, status="processing")


async def test_created_after_is_inclusive_and_created_before_exclusive(client, world):
    catalog = await make_catalog(client, world)
    first, middle, last = [await make_order(client, world, catalog) for _ in range(3)]
    at = middle["created_at"]
    assert await _ids(client, world, created_after=at) == [middle["id"], last["id"]]
    assert await _ids(client, world, created_before=at) == [first["id"]]
    window = {"created_after": first["created_at"], "created_before": last["created_at"]}
    assert await _ids(client, world, **window) == [first["id"], middle["id"]]


async def test_a_time_without_a_zone_is_read_as_utc(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    naive_utc = order["created_at"].removesuffix("Z").removesuffix("+00:00")
    assert await _ids(client, world, created_after=naive_utc) == [order["id"]]
    assert await _ids(client, world, created_before=naive_utc) == []


async def test_a_time_in_another_zone_is_compared_in_utc(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    # 2000-01-01T00:30:00+01:00 is 1999-12-31T23:30 UTC: long before any order.
    assert await _ids(client, world, created_after="2000-01-01T00:30:00+01:00") == [order["id"]]
    assert await _ids(client, world, created_before="2000-01-01T00:30:00+01:00") == []


async def test_a_malformed_time_is_refused_naming_the_parameter(client, world):
    response = await client.get("/v1/orders?created_after=yesterday", headers=world.auth("admin"))
    assert parameters(problem(response, 422)) == {"created_after"}


# --- sorting -----------------------------------------------------------------------------


async def test_orders_are_listed_by_id_by_default(client, world):
    catalog = await make_catalog(client, world)
    made = await _orders(client, world, catalog, 3)
    assert await _ids(client, world) == sorted(made)


async def test_orders_sort_by_id_descending(client, world):
    catalog = await make_catalog(client, world)
    made = await _orders(client, world, catalog, 3)
    assert await _ids(client, world, sort="-id") == sorted(made, reverse=True)


async def test_orders_sort_by_creation_time(client, world):
    catalog = await make_catalog(client, world)
    made = await _orders(client, world, catalog, 3)
    assert await _ids(client, world, sort="created_at") == made


async def test_orders_sort_by_creation_time_newest_first(client, world):
    catalog = await make_catalog(client, world)
    made = await _orders(client, world, catalog, 3)
    assert await _ids(client, world, sort="-created_at") == made[::-1]


async def test_an_unknown_sort_is_refused_naming_the_parameter(client, world):
    response = await client.get("/v1/orders?sort=memo", headers=world.auth("admin"))
    assert parameters(problem(response, 422)) == {"sort"}


# --- paging ------------------------------------------------------------------------------


async def test_paging_by_cursor_returns_each_order_once(client, world):
    catalog = await make_catalog(client, world)
    made = await _orders(client, world, catalog, 5)
    first = await client.get("/v1/orders?limit=2", headers=world.auth("admin"))
    assert [o["id"] for o in first.json()["items"]] == made[:2]
    assert await _ids(client, world, limit=2) == made


async def test_paging_newest_first_returns_each_order_once(client, world):
    catalog = await make_catalog(client, world)
    made = await _orders(client, world, catalog, 5)
    assert await _ids(client, world, limit=2, sort="-created_at") == made[::-1]


async def test_paging_keeps_the_filters(client, world):
    catalog = await make_catalog(client, world)
    tagged = await _orders(client, world, catalog, 3, tags=["t"])
    await _orders(client, world, catalog, 2)
    assert await _ids(client, world, limit=1, tag="t") == tagged


async def test_the_last_page_has_no_next(client, world):
    catalog = await make_catalog(client, world)
    await _orders(client, world, catalog, 2)
    response = await client.get("/v1/orders?limit=2", headers=world.auth("admin"))
    assert len(response.json()["items"]) == 2
    assert response.json()["next"] is None


async def test_an_order_placed_while_paging_is_still_reached(client, world):
    catalog = await make_catalog(client, world)
    made = await _orders(client, world, catalog, 2)
    first = await client.get("/v1/orders?limit=1", headers=world.auth("admin"))
    made += await _orders(client, world, catalog, 1)
    rest = await all_pages(client, first.json()["next"], world.auth("admin"))
    assert [o["id"] for o in first.json()["items"] + rest] == made


async def test_a_page_may_hold_at_most_500_orders(client, world):
    assert (
        await client.get("/v1/orders?limit=500", headers=world.auth("admin"))
    ).status_code == 200
    response = await client.get("/v1/orders?limit=501", headers=world.auth("admin"))
    assert parameters(problem(response, 422)) == {"limit"}


async def test_a_page_holds_at_least_one_order(client, world):
    response = await client.get("/v1/orders?limit=0", headers=world.auth("admin"))
    assert parameters(problem(response, 422)) == {"limit"}


async def test_a_cursor_that_was_not_given_out_is_refused(client, world):
    response = await client.get("/v1/orders?cursor=not-a-cursor", headers=world.auth("admin"))
    assert parameters(problem(response, 400)) == {"cursor"}


async def test_a_cursor_cannot_be_reused_with_another_sort(client, world):
    catalog = await make_catalog(client, world)
    await _orders(client, world, catalog, 2)
    first = await client.get("/v1/orders?limit=1", headers=world.auth("admin"))
    cursor = first.json()["next"].split("cursor=")[1]
    response = await client.get(
        f"/v1/orders?limit=1&sort=-id&cursor={cursor}", headers=world.auth("admin")
    )
    assert parameters(problem(response, 400)) == {"cursor"}
