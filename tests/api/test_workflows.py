"""Per-product, versioned workflows: stored, checked when saved, followed by every order."""

from __future__ import annotations

import copy

from orderdesk.workflow.defaults import IMPILO_DEVICE, TENANT_DEFAULT_KEY
from orderdesk.workflow.vocabularies import terms_of
from tests.api.builders import created, make_catalog, make_order

TWO_STEP = {
    "key": "two-step",
    "name": "Two step",
    "states": [
        {"id": "open", "name": "Open", "type": "NEW", "initial": True},
        {"id": "done", "name": "Done", "type": "CLOSED", "outcome": "completed"},
        {"id": "dropped", "name": "Dropped", "type": "CLOSED", "outcome": "cancelled"},
    ],
    "transitions": [
        {"from": "open", "to": "done", "roles": ["supplier"]},
        {
            "from": "open",
            "to": "dropped",
            "roles": ["customer", "supplier"],
            "reason_required": True,
        },
    ],
}


def _definition(**changes: object) -> dict:
    doc = copy.deepcopy(TWO_STEP)
    doc.update(changes)
    return doc


async def _workflows(client, world) -> dict[str, dict]:
    r = await client.get("/v1/workflows", headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    return {w["key"]: w for w in r.json()["items"]}


async def test_a_new_tenant_has_the_four_seed_vocabulary_workflows(client, world):
    workflows = await _workflows(client, world)
    assert set(workflows) == {"dental-lab", "lab-request", "impilo-device", "rso-record"}
    assert [k for k, w in workflows.items() if w["is_default"]] == [TENANT_DEFAULT_KEY]


async def test_an_order_shows_status_workflow_version_and_the_callers_moves(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    initial = IMPILO_DEVICE.initial_state
    assert order["status"] == {
        "id": initial.id,
        "name": initial.name,
        "type": "NEW",
        "outcome": None,
        "code": None,
        "terms": terms_of(initial),
    }
    assert order["status"]["terms"]["impilo"] == "new"
    assert (order["workflow"]["key"], order["workflow"]["version"]) == (TENANT_DEFAULT_KEY, 1)
    assert [s["id"] for s in order["workflow"]["states"]] == [s.id for s in IMPILO_DEVICE.states]
    expected = {t.to_state for t in IMPILO_DEVICE.moves_from(initial.id, role="customer")}
    assert {t["to"] for t in order["transitions"]} == expected


async def test_a_supplier_saves_a_workflow_of_its_own(client, world):
    body = await created(
        await client.post(
            "/v1/workflows", json={"definition": TWO_STEP}, headers=world.auth("supplier")
        )
    )
    assert body["account_id"] == world.accounts["supplier"]
    assert body["current_version"] == 1
    assert [s["id"] for s in body["definition"]["states"]] == ["open", "done", "dropped"]


async def test_a_customer_cannot_save_workflows(client, world):
    r = await client.post(
        "/v1/workflows", json={"definition": TWO_STEP}, headers=world.auth("customer")
    )
    assert r.status_code == 403


async def test_another_supplier_cannot_edit_a_suppliers_workflow(client, world):
    saved = await created(
        await client.post(
            "/v1/workflows", json={"definition": TWO_STEP}, headers=world.auth("supplier")
        )
    )
    r = await client.put(
        f"/v1/workflows/{saved['id']}",
        json={"definition": TWO_STEP},
        headers=world.auth("supplier_other"),
    )
    assert r.status_code == 403


async def _rejected(client, world, definition: dict) -> list[str]:
    r = await client.post(
        "/v1/workflows", json={"definition": definition}, headers=world.auth("supplier")
    )
    assert r.status_code == 422, r.text
    return [e["pointer"] for e in r.json()["errors"]]


async def test_a_transition_to_an_unknown_state_is_rejected_where_it_stands(client, world):
    doc = _definition()
    doc["transitions"][0]["to"] = "nowhere"
    assert "/definition/transitions/0/to" in await _rejected(client, world, doc)


async def test_a_workflow_without_an_initial_state_is_rejected(client, world):
    doc = _definition()
    doc["states"][0]["initial"] = False
    assert any(p.startswith("/definition/states") for p in await _rejected(client, world, doc))


async def test_a_state_unreachable_from_the_initial_one_is_rejected(client, world):
    doc = _definition()
    doc["states"].append({"id": "limbo", "name": "Limbo", "type": "INPROGRESS"})
    doc["transitions"].append({"from": "limbo", "to": "done", "roles": ["supplier"]})
    pointers = await _rejected(client, world, doc)
    assert "/definition/states/3" in pointers


async def test_a_workflow_with_no_closed_state_is_rejected(client, world):
    doc = {
        "key": "open-ended",
        "name": "Open ended",
        "states": [
            {"id": "a", "name": "A", "type": "NEW", "initial": True},
            {"id": "b", "name": "B", "type": "INPROGRESS"},
        ],
        "transitions": [{"from": "a", "to": "b", "roles": ["supplier"]}],
    }
    assert any(p.startswith("/definition/states") for p in await _rejected(client, world, doc))


async def test_leaving_a_closed_state_needs_a_reopening_transition(client, world):
    doc = _definition()
    doc["transitions"].append({"from": "done", "to": "open", "roles": ["supplier"]})
    assert "/definition/transitions/2" in " ".join(await _rejected(client, world, doc))
    doc["transitions"][2]["reopening"] = True
    r = await client.post("/v1/workflows", json={"definition": doc}, headers=world.auth("supplier"))
    assert r.status_code == 201, r.text


async def test_editing_a_workflow_saves_a_new_version_and_keeps_the_old_one(client, world):
    saved = await created(
        await client.post(
            "/v1/workflows", json={"definition": TWO_STEP}, headers=world.auth("supplier")
        )
    )
    edited = _definition(name="Two step, renamed")
    r = await client.put(
        f"/v1/workflows/{saved['id']}", json={"definition": edited}, headers=world.auth("supplier")
    )
    assert r.status_code == 200, r.text
    assert r.json()["current_version"] == 2
    versions = (
        await client.get(f"/v1/workflows/{saved['id']}/versions", headers=world.auth("customer"))
    ).json()
    assert [(v["number"], v["definition"]["name"]) for v in versions] == [
        (1, "Two step"),
        (2, "Two step, renamed"),
    ]
    first = await client.get(
        f"/v1/workflows/{saved['id']}/versions/1", headers=world.auth("customer")
    )
    assert first.json()["definition"]["name"] == "Two step"


async def test_a_workflows_key_cannot_change(client, world):
    saved = await created(
        await client.post(
            "/v1/workflows", json={"definition": TWO_STEP}, headers=world.auth("supplier")
        )
    )
    r = await client.put(
        f"/v1/workflows/{saved['id']}",
        json={"definition": _definition(key="renamed")},
        headers=world.auth("supplier"),
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "/definition/key"


async def _product_with(client, world, workflow_id: int | None) -> int:
    body = {"name": "Crown", "price": "10", "currency": "EUR", "workflow_id": workflow_id}
    return (
        await created(await client.post("/v1/products", json=body, headers=world.auth("supplier")))
    )["id"]


async def test_an_order_takes_its_products_workflow(client, world):
    saved = await created(
        await client.post(
            "/v1/workflows", json={"definition": TWO_STEP}, headers=world.auth("supplier")
        )
    )
    product_id = await _product_with(client, world, saved["id"])
    order = await created(
        await client.post(
            "/v1/orders", json={"product_id": product_id}, headers=world.auth("customer")
        )
    )
    assert (order["workflow"]["key"], order["workflow"]["version"]) == ("two-step", 1)
    assert order["status"]["id"] == "open"


async def test_without_a_product_workflow_an_order_takes_its_suppliers_default(client, world):
    await created(
        await client.post(
            "/v1/workflows",
            json={"definition": TWO_STEP, "is_default": True},
            headers=world.auth("supplier"),
        )
    )
    product_id = await _product_with(client, world, None)
    order = await created(
        await client.post(
            "/v1/orders", json={"product_id": product_id}, headers=world.auth("customer")
        )
    )
    assert order["workflow"]["key"] == "two-step"


async def test_without_product_or_supplier_workflow_an_order_takes_the_tenant_default(
    client, world
):
    product_id = await _product_with(client, world, None)
    order = await created(
        await client.post(
            "/v1/orders", json={"product_id": product_id}, headers=world.auth("customer")
        )
    )
    assert order["workflow"]["key"] == TENANT_DEFAULT_KEY


async def test_a_product_cannot_carry_another_suppliers_workflow(client, world):
    saved = await created(
        await client.post(
            "/v1/workflows", json={"definition": TWO_STEP}, headers=world.auth("supplier_other")
        )
    )
    r = await client.post(
        "/v1/products",
        headers=world.auth("supplier"),
        json={"name": "Crown", "price": "10", "currency": "EUR", "workflow_id": saved["id"]},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "/workflow_id"


async def test_an_order_in_flight_keeps_the_version_it_started_with(client, world):
    saved = await created(
        await client.post(
            "/v1/workflows", json={"definition": TWO_STEP}, headers=world.auth("supplier")
        )
    )
    product_id = await _product_with(client, world, saved["id"])
    order = await created(
        await client.post(
            "/v1/orders", json={"product_id": product_id}, headers=world.auth("customer")
        )
    )
    # Version 2 lets only admins finish an order.
    stricter = _definition()
    stricter["transitions"][0]["roles"] = ["admin"]
    r = await client.put(
        f"/v1/workflows/{saved['id']}",
        json={"definition": stricter},
        headers=world.auth("supplier"),
    )
    assert r.status_code == 200
    r = await client.post(
        f"/v1/orders/{order['id']}/transitions", json={"to": "done"}, headers=world.auth("supplier")
    )
    assert r.status_code == 200, r.text
    assert (r.json()["workflow"]["key"], r.json()["workflow"]["version"]) == ("two-step", 1)


async def _two_step_order(client, world) -> dict:
    saved = await created(
        await client.post(
            "/v1/workflows", json={"definition": TWO_STEP}, headers=world.auth("supplier")
        )
    )
    product_id = await _product_with(client, world, saved["id"])
    return await created(
        await client.post(
            "/v1/orders", json={"product_id": product_id}, headers=world.auth("customer")
        )
    )


async def test_an_illegal_move_is_a_409_listing_the_moves_allowed_now(client, world):
    order = await _two_step_order(client, world)
    r = await client.post(
        f"/v1/orders/{order['id']}/transitions", json={"to": "open"}, headers=world.auth("supplier")
    )
    assert r.status_code == 409
    assert sorted(r.json()["allowed"]) == ["done", "dropped"]


async def test_a_move_the_role_may_not_take_is_a_403(client, world):
    order = await _two_step_order(client, world)
    r = await client.post(
        f"/v1/orders/{order['id']}/transitions", json={"to": "done"}, headers=world.auth("customer")
    )
    assert r.status_code == 403


async def test_a_missing_required_reason_is_a_422_and_changes_nothing(client, world):
    order = await _two_step_order(client, world)
    r = await client.post(
        f"/v1/orders/{order['id']}/transitions",
        json={"to": "dropped"},
        headers=world.auth("customer"),
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "/reason"
    after = (await client.get(f"/v1/orders/{order['id']}", headers=world.auth("customer"))).json()
    assert after["status"]["id"] == "open"
    assert after["version"] == order["version"]


async def test_cancelling_moves_to_the_cancelled_outcome_state(client, world):
    order = await _two_step_order(client, world)
    r = await client.post(
        f"/v1/orders/{order['id']}/cancel",
        json={"reason": "duplicate"},
        headers=world.auth("customer"),
    )
    assert r.status_code == 200, r.text
    status = r.json()["status"]
    assert {k: v for k, v in status.items() if k != "terms"} == {
        "id": "dropped",
        "name": "Dropped",
        "type": "CLOSED",
        "outcome": "cancelled",
        "code": None,
    }
    assert status["terms"]["impilo"] == "cancelled"  # every vocabulary reads it as cancelled


async def test_every_move_appends_a_timeline_event_with_from_to_reason_and_actor(client, world):
    order = await _two_step_order(client, world)
    r = await client.post(
        f"/v1/orders/{order['id']}/transitions",
        json={"to": "done", "reason": "shipped"},
        headers=world.auth("supplier"),
    )
    assert r.status_code == 200
    events = (
        await client.get(f"/v1/orders/{order['id']}/timeline", headers=world.auth("supplier"))
    ).json()["items"]
    moved = events[-1]
    assert moved["kind"] == "status_moved"
    assert moved["data"].items() >= {"from": "open", "to": "done", "reason": "shipped"}.items()
    assert moved["actor"] == "supplier:supplier"
    assert moved["credential_id"] is not None


async def test_a_version_number_beyond_32_bits_is_invalid_not_a_crash(client, world):
    response = await client.get("/v1/workflows/1/versions/7729830796", headers=world.auth("admin"))
    assert response.status_code == 422
