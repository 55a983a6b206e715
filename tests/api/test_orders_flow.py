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


async def test_an_order_goes_from_placement_to_delivery_with_every_step_on_its_timeline(
    client, world
):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog, shipping_option="overnight")
    oid = order["id"]
    customer, supplier = world.auth("customer"), world.auth("supplier")

    async def step(method: str, path: str, auth: dict, **body: object) -> dict:
        r = await client.request(method, f"/v1/orders/{oid}{path}", json=body, headers=auth)
        assert r.status_code in (200, 201), r.text
        return r.json()

    await step("POST", "/transitions", supplier, to="reconfirmAddress", reason="PO box")
    await step("PATCH", "", customer, shipping_address={"line_one": "1 Main St"})
    await step("POST", "/transitions", customer, to="processing")
    await step("POST", "/transitions", supplier, to="shipped")
    await step("POST", "/tracking-numbers", supplier, carrier="UPS", value="1Z999")
    await step("POST", "/notes", customer, text="received, thanks")
    done = await step("POST", "/transitions", supplier, to="delivered")

    assert (done["status"]["id"], done["status"]["type"]) == ("delivered", "CLOSED")
    assert done["transitions"] == []
    r = await client.get(f"/v1/orders/{oid}/timeline", headers=customer)
    assert [(e["kind"], e["actor"]) for e in r.json()["items"]] == [
        ("created", "customer:customer"),
        ("status_moved", "supplier:supplier"),
        ("changed", "customer:customer"),
        ("status_moved", "customer:customer"),
        ("status_moved", "supplier:supplier"),
        ("tracking_added", "supplier:supplier"),
        ("note_added", "customer:customer"),
        ("status_moved", "supplier:supplier"),
    ]
    final = await client.get(f"/v1/orders/{oid}", headers=customer)
    assert final.json()["version"] == order["version"] + 7
