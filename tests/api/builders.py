"""Builders that set up catalog and parties over the API, for tests that need them."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import World


@dataclass
class Catalog:
    manufacturer_id: int
    item_ids: list[int]
    kit_id: int
    product_id: int


async def created(response: httpx.Response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


async def make_catalog(
    client: httpx.AsyncClient, world: World, supplier: str = "supplier"
) -> Catalog:
    auth = world.auth(supplier)
    maker = await created(
        await client.post("/v1/manufacturers", json={"name": "Acme"}, headers=auth)
    )
    items = [
        await created(
            await client.post(
                "/v1/items",
                headers=auth,
                json={
                    "sku": f"SKU-{n}",
                    "name": f"Item {n}",
                    "model": "M1",
                    "manufacturer_id": maker["id"],
                },
            )
        )
        for n in range(2)
    ]
    kit = await created(
        await client.post(
            "/v1/kits",
            headers=auth,
            json={"name": "Starter kit", "kit_items": [{"item_id": items[0]["id"], "count": 2}]},
        )
    )
    product = await created(
        await client.post(
            "/v1/products",
            headers=auth,
            json={
                "name": "Clear aligner B",
                "price": "360000",
                "currency": "KRW",
                "discount": "10",
            },
        )
    )
    return Catalog(
        manufacturer_id=maker["id"],
        item_ids=[i["id"] for i in items],
        kit_id=kit["id"],
        product_id=product["id"],
    )


async def make_patient(
    client: httpx.AsyncClient, world: World, customer: str = "customer", **fields: object
) -> dict:
    body = {
        "first_name": "John",
        "last_name": "Doe",
        "date_of_birth": "1980-01-01",
        "external_identifier": "NEW-0003",
        **fields,
    }
    return await created(await client.post("/v1/patients", json=body, headers=world.auth(customer)))


async def make_site(
    client: httpx.AsyncClient, world: World, customer: str = "customer", **fields: object
) -> dict:
    body = {"name": "North clinic", "address": {"city": "Raleigh"}, **fields}
    return await created(await client.post("/v1/sites", json=body, headers=world.auth(customer)))


async def make_order(
    client: httpx.AsyncClient,
    world: World,
    catalog: Catalog,
    customer: str = "customer",
    **fields: object,
) -> dict:
    body = {"lines": [{"item_id": catalog.item_ids[0], "count": 3}], **fields}
    return await created(await client.post("/v1/orders", json=body, headers=world.auth(customer)))


async def credential_id(client: httpx.AsyncClient, world: World, who: str) -> int:
    """The id of the credential behind ``world.keys[who]`` (credentials are named after it)."""
    response = await client.get("/v1/credentials?limit=500", headers=world.auth("admin"))
    assert response.status_code == 200, response.text
    return next(c["id"] for c in response.json()["items"] if c["name"] == who)


async def all_pages(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], **params: object
) -> list[dict]:
    """Every item of a list, following ``next`` links to the last page."""
    # httpx drops a URL's own query when given params, even empty ones.
    query = params or None
    response = await client.get(url, params=query, headers=headers)  # type: ignore[arg-type]
    items: list[dict] = []
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        if body["next"] is None:
            return items
        response = await client.get(body["next"], headers=headers)


async def timeline_of(
    client: httpx.AsyncClient, world: World, order_id: int, who: str = "admin"
) -> list[dict]:
    return await all_pages(client, f"/v1/orders/{order_id}/timeline", world.auth(who))


async def read_order(
    client: httpx.AsyncClient, world: World, order_id: int, who: str = "admin"
) -> dict:
    response = await client.get(f"/v1/orders/{order_id}", headers=world.auth(who))
    assert response.status_code == 200, response.text
    return response.json()


async def move(
    client: httpx.AsyncClient,
    world: World,
    order_id: int,
    to: str,
    who: str = "supplier",
    reason: str | None = None,
) -> httpx.Response:
    """``POST /v1/orders/{id}/transitions``; the caller checks the answer."""
    body: dict[str, object] = {"to": to}
    if reason is not None:
        body["reason"] = reason
    return await client.post(
        f"/v1/orders/{order_id}/transitions", json=body, headers=world.auth(who)
    )


async def moved(
    client: httpx.AsyncClient, world: World, order_id: int, *path: str, who: str = "supplier"
) -> dict:
    """Take each move in ``path`` in turn; the order as the last move left it."""
    order: dict = {}
    for to in path:
        response = await move(client, world, order_id, to, who=who)
        assert response.status_code == 200, response.text
        order = response.json()
    return order


async def product_following(
    client: httpx.AsyncClient, world: World, workflow_key: str, supplier: str = "supplier"
) -> int:
    """A product of ``supplier`` whose orders follow the tenant workflow ``workflow_key``."""
    r = await client.get(f"/v1/workflows?key={workflow_key}", headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    (workflow,) = r.json()["items"]
    product = await created(
        await client.post(
            "/v1/products",
            json={
                "name": f"Follows {workflow_key}",
                "price": "10",
                "currency": "USD",
                "workflow_id": workflow["id"],
            },
            headers=world.auth(supplier),
        )
    )
    return product["id"]


def problem(response: httpx.Response, status: int) -> dict:
    """The RFC 9457 problem document of ``response``, which must have ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    for member in ("type", "title", "detail"):
        assert isinstance(body[member], str) and body[member], body
    return body


def pointers(body: dict) -> set[str]:
    """The JSON Pointers a problem's ``errors`` name."""
    return {e["pointer"] for e in body.get("errors", []) if "pointer" in e}


def parameters(body: dict) -> set[str]:
    """The query/path/header parameters a problem's ``errors`` name."""
    return {e["parameter"] for e in body.get("errors", []) if "parameter" in e}


def without_id(body: dict, ident: object) -> dict:
    """A problem document with one id blanked out, and without the id of the request it
    answered, to compare two 404s."""
    return {
        k: v.replace(str(ident), "<id>") if isinstance(v, str) else v
        for k, v in body.items()
        if k != "request_id"
    }


async def make_account(
    client: httpx.AsyncClient, world: World, kind: str = "customer", **fields: object
) -> dict:
    body = {"kind": kind, "name": f"New {kind}", **fields}
    return await created(await client.post("/v1/accounts", json=body, headers=world.auth("admin")))


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, frozenset], float]:
    """Every sample of a scrape, by name and labels."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


async def value(client: httpx.AsyncClient, name: str, **labels: str) -> float:
    """One sample of a scrape; 0 when it has not been counted yet."""
    return (await scrape(client)).get((name, frozenset(labels.items())), 0.0)
