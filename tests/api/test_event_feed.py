"""``GET /v1/events``: every committed order event, in commit order, scoped like orders."""

from __future__ import annotations

from tests.api.builders import make_catalog, make_order, move, moved, parameters, problem


async def _feed(client, world, who: str = "admin", after: str | None = None) -> dict:
    params = {"after": after} if after is not None else None
    response = await client.get("/v1/events", params=params, headers=world.auth(who))
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_feed_lists_each_change_once_in_the_order_it_committed(client, world):
    catalog = await make_catalog(client, world)
    first = await make_order(client, world, catalog)
    second = await make_order(client, world, catalog)
    await moved(client, world, first["id"], "processing")
    items = (await _feed(client, world))["items"]
    assert [(e["order_id"], e["type"]) for e in items] == [
        (first["id"], "order.created"),
        (second["id"], "order.created"),
        (first["id"], "order.status_moved"),
    ]
    assert len({e["id"] for e in items}) == 3
    assert all(e["id"].startswith("evt_") for e in items)


async def test_each_order_numbers_its_events_from_one(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    other = await make_order(client, world, catalog)
    await moved(client, world, order["id"], "processing", "shipped")
    items = (await _feed(client, world))["items"]
    assert [e["sequence"] for e in items if e["order_id"] == order["id"]] == [1, 2, 3]
    assert [e["sequence"] for e in items if e["order_id"] == other["id"]] == [1]


async def test_polling_with_after_returns_only_what_came_since(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    seen = await _feed(client, world)
    assert len(seen["items"]) == 1
    nothing_new = await _feed(client, world, after=seen["after"])
    assert nothing_new["items"] == []
    assert nothing_new["after"] == seen["after"]  # poll again from the same place
    await moved(client, world, order["id"], "processing")
    newer = (await _feed(client, world, after=seen["after"]))["items"]
    assert [e["type"] for e in newer] == ["order.status_moved"]


async def test_next_follows_the_feed_page_by_page(client, world):
    catalog = await make_catalog(client, world)
    for _ in range(3):
        await make_order(client, world, catalog)
    page = await client.get("/v1/events?limit=2", headers=world.auth("admin"))
    rest = await client.get(page.json()["next"], headers=world.auth("admin"))
    everything = (await _feed(client, world))["items"]
    assert page.json()["items"] + rest.json()["items"] == everything


async def test_a_refused_change_puts_nothing_on_the_feed(client, world):
    order = await make_order(client, world, await make_catalog(client, world))
    before = await _feed(client, world)
    refused = await move(client, world, order["id"], "no-such-state")
    assert refused.status_code >= 400
    assert (await _feed(client, world, after=before["after"]))["items"] == []


async def test_a_customer_sees_only_the_events_of_its_own_orders(client, world):
    catalog = await make_catalog(client, world)
    mine = await make_order(client, world, catalog)
    await make_order(client, world, catalog, customer="customer_other")
    items = (await _feed(client, world, who="customer"))["items"]
    assert {e["order_id"] for e in items} == {mine["id"]}


async def test_another_tenant_sees_none_of_the_events(client, world, other_world):
    await make_order(client, world, await make_catalog(client, world))
    assert (await _feed(client, other_world))["items"] == []


async def test_a_cursor_the_feed_never_gave_is_refused_naming_after(client, world):
    response = await client.get("/v1/events?after=not-a-cursor", headers=world.auth("admin"))
    assert parameters(problem(response, 400)) == {"after"}


async def test_an_event_says_no_field_of_its_order(client, world):
    await make_order(client, world, await make_catalog(client, world))
    (event,) = (await _feed(client, world))["items"]
    assert set(event) == {"id", "type", "order_id", "sequence", "occurred_at"}
