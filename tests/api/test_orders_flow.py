from tests.api.builders import make_catalog, make_order, make_patient


async def test_a_customer_places_an_order_for_its_patient(client, world):
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    order = await make_order(
        client,
        world,
        catalog,
        patient_id=patient["id"],
        product_id=catalog.product_id,
        tags=["rush"],
        external_order_ids=["xyz_1"],
    )
    assert order["customer_account_id"] == world.accounts["customer"]
    assert order["supplier_account_id"] == world.accounts["supplier"]
    assert order["patient"]["id"] == patient["id"]
    assert order["product"]["price"] == "360000.00"
    assert order["status"]["type"] == "NEW"
    assert order["lines"][0]["item"]["sku"] == "SKU-0"


async def test_the_timeline_records_creation_note_and_cancel(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    auth = world.auth("customer")
    r = await client.post(f"/v1/orders/{order['id']}/notes", json={"text": "hello"}, headers=auth)
    assert r.status_code == 201, r.text
    r = await client.post(f"/v1/orders/{order['id']}/cancel", json={}, headers=auth)
    assert r.status_code == 200, r.text
    r = await client.get(f"/v1/orders/{order['id']}/timeline", headers=auth)
    assert [e["kind"] for e in r.json()["items"]] == ["created", "note_added", "cancelled"]
