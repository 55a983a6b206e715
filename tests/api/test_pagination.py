"""Cursor pagination: every row exactly once, in order, whatever the page size or sort."""

import base64
import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.api.builders import all_pages, created, parameters, problem


async def make_manufacturers(client, world, names: list[str]) -> list[dict]:
    auth = world.auth("supplier")
    return [
        await created(await client.post("/v1/manufacturers", json={"name": n}, headers=auth))
        for n in names
    ]


async def walk(client, world, path: str, **params) -> list[list[dict]]:
    """Every page of a list, following ``next`` until it is null."""
    pages = []
    response = await client.get(path, params=params, headers=world.auth("supplier"))
    while True:
        assert response.status_code == 200, response.text
        pages.append(response.json()["items"])
        following = response.json()["next"]
        if following is None:
            return pages
        assert len(pages) < 100, "pagination does not end"
        response = await client.get(following, headers=world.auth("supplier"))


def forge(cursor_fields: dict) -> str:
    raw = json.dumps(cursor_fields).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def test_pages_cover_every_row_exactly_once_in_order(client, world):
    made = await make_manufacturers(client, world, [f"M{n}" for n in range(7)])
    pages = await walk(client, world, "/v1/manufacturers", limit=3)
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [m["id"] for p in pages for m in p] == [m["id"] for m in made]


async def test_next_is_a_url_of_the_same_list_and_null_on_the_last_page(client, world):
    await make_manufacturers(client, world, ["A", "B", "C"])
    first = await client.get(
        "/v1/manufacturers", params={"limit": 2, "sort": "-name"}, headers=world.auth("supplier")
    )
    url = urlsplit(first.json()["next"])
    assert url.scheme in ("http", "https")
    assert url.path == "/v1/manufacturers"
    query = parse_qs(url.query)
    assert query["limit"] == ["2"]
    assert query["sort"] == ["-name"]
    assert query["cursor"]
    last = await client.get(first.json()["next"], headers=world.auth("supplier"))
    assert [m["name"] for m in last.json()["items"]] == ["A"]
    assert last.json()["next"] is None


async def test_a_page_exactly_full_at_the_end_has_no_next(client, world):
    await make_manufacturers(client, world, ["A", "B"])
    pages = await walk(client, world, "/v1/manufacturers", limit=2)
    assert [len(p) for p in pages] == [2]


async def test_an_empty_list_is_one_empty_page(client, world):
    response = await client.get("/v1/manufacturers", headers=world.auth("supplier"))
    assert response.json() == {"items": [], "next": None}


async def test_the_default_page_size_is_50(client, world):
    await make_manufacturers(client, world, [f"M{n}" for n in range(51)])
    response = await client.get("/v1/manufacturers", headers=world.auth("supplier"))
    assert len(response.json()["items"]) == 50
    assert response.json()["next"] is not None
    rest = await client.get(response.json()["next"], headers=world.auth("supplier"))
    assert len(rest.json()["items"]) == 1


async def test_a_page_may_hold_up_to_500_rows(client, world):
    await make_manufacturers(client, world, [f"M{n}" for n in range(3)])
    response = await client.get(
        "/v1/manufacturers", params={"limit": 500}, headers=world.auth("supplier")
    )
    assert response.status_code == 200
    assert len(response.json()["items"]) == 3


async def test_a_descending_sort_pages_from_the_newest(client, world):
    made = await make_manufacturers(client, world, [f"M{n}" for n in range(5)])
    pages = await walk(client, world, "/v1/manufacturers", limit=2, sort="-id")
    assert [m["id"] for p in pages for m in p] == [m["id"] for m in reversed(made)]


@pytest.mark.parametrize("sort", ["name", "-name"])
async def test_sorting_by_a_field_with_ties_still_covers_every_row_once(client, world, sort):
    names = ["b", "a", "b", "c", "a", "b", "a"]
    made = await make_manufacturers(client, world, names)
    pages = await walk(client, world, "/v1/manufacturers", limit=2, sort=sort)
    seen = [(m["name"], m["id"]) for p in pages for m in p]
    expected = sorted(((m["name"], m["id"]) for m in made), reverse=sort.startswith("-"))
    assert seen == expected


async def test_credentials_page_by_creation_time(client, world):
    auth = world.auth("admin")
    for n in range(4):
        await created(
            await client.post(
                "/v1/credentials", json={"name": f"k{n}", "role": "admin"}, headers=auth
            )
        )
    everything = (await client.get("/v1/credentials", headers=auth)).json()["items"]
    pages = await all_pages(client, "/v1/credentials", auth, limit=2, sort="-created_at")
    assert len(pages) == len(everything) == len(world.keys) + 4
    assert sorted(c["id"] for c in pages) == sorted(c["id"] for c in everything)
    times = [dt.datetime.fromisoformat(c["created_at"]) for c in pages]
    assert times == sorted(times, reverse=True)


async def test_a_row_added_between_pages_appears_once(client, world):
    made = await make_manufacturers(client, world, ["A", "B", "C"])
    auth = world.auth("supplier")
    first = await client.get("/v1/manufacturers", params={"limit": 2}, headers=auth)
    late = (await make_manufacturers(client, world, ["D"]))[0]
    rest = await client.get(first.json()["next"], headers=auth)
    ids = [m["id"] for m in first.json()["items"] + rest.json()["items"]]
    assert ids == [*(m["id"] for m in made), late["id"]]


async def test_filters_carry_over_to_the_next_page(client, world):
    auth = world.auth("supplier")
    for n in range(3):
        for orderable in (True, False):
            await created(
                await client.post(
                    "/v1/items",
                    json={"sku": f"S{n}", "name": f"I{n}", "orderable": orderable},
                    headers=auth,
                )
            )
    pages = await walk(client, world, "/v1/items", limit=2, orderable="false")
    assert [len(p) for p in pages] == [2, 1]
    assert all(item["orderable"] is False for p in pages for item in p)


async def test_a_cursor_only_works_with_the_sort_it_came_from(client, world):
    await make_manufacturers(client, world, ["A", "B", "C"])
    auth = world.auth("supplier")
    first = await client.get("/v1/manufacturers", params={"limit": 1, "sort": "name"}, headers=auth)
    cursor = parse_qs(urlsplit(first.json()["next"]).query)["cursor"][0]
    response = await client.get(
        "/v1/manufacturers", params={"cursor": cursor, "sort": "-name"}, headers=auth
    )
    assert parameters(problem(response, 400)) == {"cursor"}


@pytest.mark.parametrize(
    "value",
    [5, [1], None, {"dt": "2020-01-01T00:00:00"}],
    ids=["number", "list", "null", "datetime"],
)
async def test_a_forged_cursor_value_of_the_wrong_type_is_refused(client, world, value):
    await make_manufacturers(client, world, ["A"])
    cursor = forge({"s": "name", "d": False, "v": value, "i": 1})
    response = await client.get(
        "/v1/manufacturers",
        params={"cursor": cursor, "sort": "name"},
        headers=world.auth("supplier"),
    )
    assert parameters(problem(response, 400)) == {"cursor"}


@pytest.mark.parametrize("ident", [2**64, "1", 1.5], ids=["huge", "text", "fraction"])
async def test_a_forged_cursor_position_is_refused(client, world, ident):
    cursor = forge({"s": "id", "d": False, "v": 1, "i": ident})
    response = await client.get(
        "/v1/manufacturers", params={"cursor": cursor}, headers=world.auth("supplier")
    )
    assert parameters(problem(response, 400)) == {"cursor"}


async def test_a_forged_cursor_time_without_a_zone_is_refused(client, world):
    cursor = forge({"s": "created_at", "d": False, "v": {"dt": "2020-01-01T00:00:00"}, "i": 1})
    response = await client.get(
        "/v1/credentials",
        params={"cursor": cursor, "sort": "created_at"},
        headers=world.auth("admin"),
    )
    assert parameters(problem(response, 400)) == {"cursor"}
