"""Builders that set up catalog and parties over the API, for tests that need them."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

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
