"""The audit trail: every answer that disclosed PHI, every refusal on a patient, order or
device route, one record each, append-only, readable as FHIR R4 AuditEvents."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from orderdesk.audit.models import AuditEntity, AuditEvent
from orderdesk.db import session_scope
from tests.api.builders import all_pages, credential_id, make_catalog, make_order, make_patient
from tests.conftest import World

AUDIT = "/v1/audit-events"


async def records(client: httpx.AsyncClient, world: World, **params: object) -> list[dict]:
    return await all_pages(client, AUDIT, world.auth("admin"), **params)


def named(record: dict, kind: str) -> set[int]:
    return {e["entity_id"] for e in record["entities"] if e["kind"] == kind}


@pytest.fixture
async def patient_orders(client: httpx.AsyncClient, world: World) -> list[dict]:
    """Three orders, each for a patient of its own."""
    catalog = await make_catalog(client, world)
    orders = []
    for n in range(3):
        patient = await make_patient(client, world, external_identifier=f"MRN-{n}")
        orders.append(await make_order(client, world, catalog, patient_id=patient["id"]))
    return orders


async def test_a_list_of_orders_is_one_record_naming_every_patient_it_disclosed(
    client, world, patient_orders
):
    before = len(await records(client, world))
    response = await client.get("/v1/orders", headers=world.auth("customer"))
    assert response.status_code == 200, response.text
    after = await records(client, world)
    assert len(after) == before + 1
    record = after[-1]
    assert named(record, "patient") == {o["patient"]["id"] for o in patient_orders}
    assert named(record, "order") == {o["id"] for o in patient_orders}
    assert (record["action"], record["status"], record["phi_disclosed"]) == ("R", 200, True)
    assert record["route"] == "/v1/orders"
    assert record["credential_id"] == await credential_id(client, world, "customer")
    assert (record["role"], record["account_id"]) == ("customer", world.accounts["customer"])


async def test_a_record_says_from_where_and_with_which_request(client, world, patient_orders):
    order_id = patient_orders[0]["id"]
    response = await client.get(f"/v1/orders/{order_id}", headers=world.auth("customer"))
    assert response.status_code == 200
    record = (await records(client, world, order_id=order_id))[-1]
    assert record["client_address"] == "127.0.0.1"
    assert len(record["request_id"]) == 32
    assert (record["surface"], record["path"]) == ("native", f"/v1/orders/{order_id}")


async def test_creating_an_order_for_a_patient_is_recorded_as_a_create(
    client, world, patient_orders
):
    (record,) = await records(client, world, order_id=patient_orders[0]["id"])
    assert (record["action"], record["method"], record["status"]) == ("C", "POST", 201)


async def test_an_answer_without_phi_writes_no_record(client, world, patient_orders):
    before = len(await records(client, world))
    response = await client.get("/v1/orders", headers=world.auth("customer_no_phi"))
    assert response.status_code == 200
    assert len(await records(client, world)) == before


async def test_reading_a_patient_is_recorded(client, world, patient_orders):
    patient_id = patient_orders[1]["patient"]["id"]
    before = await records(client, world, patient_id=patient_id)
    await client.get(f"/v1/patients/{patient_id}", headers=world.auth("customer"))
    after = await records(client, world, patient_id=patient_id)
    assert len(after) == len(before) + 1
    assert after[-1]["route"] == "/v1/patients/{patient_id}"


async def test_another_customers_attempt_on_an_order_is_recorded_as_refused(
    client, world, patient_orders
):
    order_id = patient_orders[0]["id"]
    response = await client.get(f"/v1/orders/{order_id}", headers=world.auth("customer_other"))
    assert response.status_code == 404
    refused = [r for r in await records(client, world, order_id=order_id) if r["status"] == 404]
    (record,) = refused
    assert record["phi_disclosed"] is False
    assert record["account_id"] == world.accounts["customer_other"]


async def test_a_missing_scope_on_a_patient_route_is_recorded(client, world):
    made = await client.post(
        "/v1/credentials",
        json={
            "name": "orders only",
            "role": "customer",
            "account_id": world.accounts["customer"],
            "scopes": ["orders:read"],
        },
        headers=world.auth("admin"),
    )
    assert made.status_code == 201, made.text
    response = await client.get(
        "/v1/patients", headers={"Authorization": f"Bearer {made.json()['secret']}"}
    )
    assert response.status_code == 403
    (record,) = [r for r in await records(client, world) if r["status"] == 403]
    assert record["route"] == "/v1/patients"


async def test_an_attempt_without_a_key_is_recorded_under_the_default_tenant(client, sessions):
    path = "/v1/patients/987654"
    response = await client.get(path)
    assert response.status_code == 401
    async with session_scope(sessions, write=False) as session:
        found = (await session.scalars(select(AuditEvent).where(AuditEvent.path == path))).all()
    (record,) = found
    assert (record.status, record.credential_id, record.role) == (401, None, None)
    assert [(e.kind.value, e.entity_id) for e in record.entities] == [("patient", 987654)]


async def test_a_refusal_on_a_route_of_no_patient_order_or_device_writes_no_record(client, world):
    before = len(await records(client, world))
    response = await client.get("/v1/credentials", headers=world.auth("customer"))
    assert response.status_code == 403
    assert len(await records(client, world)) == before


async def test_records_filter_by_credential_and_time(client, world, patient_orders):
    await client.get("/v1/orders", headers=world.auth("supplier"))
    supplier = await credential_id(client, world, "supplier")
    mine = await records(client, world, credential_id=supplier)
    assert mine and {r["credential_id"] for r in mine} == {supplier}
    last = dt.datetime.fromisoformat(mine[-1]["recorded_at"])
    later = (last + dt.timedelta(seconds=1)).isoformat()
    assert await records(client, world, credential_id=supplier, recorded_after=later) == []
    assert len(await records(client, world, credential_id=supplier, recorded_before=later)) == len(
        mine
    )


async def test_records_come_a_page_at_a_time(client, world, patient_orders):
    for _ in range(3):
        await client.get("/v1/orders", headers=world.auth("customer"))
    first = await client.get(AUDIT, params={"limit": 2}, headers=world.auth("admin"))
    assert len(first.json()["items"]) == 2
    second = await client.get(first.json()["next"], headers=world.auth("admin"))
    assert second.json()["items"][0]["id"] > first.json()["items"][-1]["id"]


async def test_only_audit_read_may_read_the_trail(client, world):
    response = await client.get(AUDIT, headers=world.auth("customer"))
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["audit:read"]


async def test_another_tenants_record_is_not_found(client, world, other_world, patient_orders):
    record = (await records(client, world))[-1]
    response = await client.get(f"{AUDIT}/{record['id']}", headers=other_world.auth("admin"))
    assert response.status_code == 404


async def test_a_record_reads_as_a_fhir_audit_event(client, world, patient_orders):
    await client.get(f"/v1/orders/{patient_orders[0]['id']}", headers=world.auth("customer"))
    record = (await records(client, world))[-1]
    response = await client.get(f"{AUDIT}/{record['id']}/fhir", headers=world.auth("admin"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    event = response.json()
    assert (event["resourceType"], event["action"], event["outcome"]) == ("AuditEvent", "R", "0")
    assert event["type"]["code"] == "rest"
    assert event["subtype"][0]["code"] == "read"
    (agent,) = event["agent"]
    assert agent["requestor"] is True
    assert agent["who"]["identifier"]["value"] == str(record["credential_id"])
    assert agent["network"] == {"address": "127.0.0.1", "type": "2"}
    references = {e["what"].get("reference") for e in event["entity"]}
    assert {
        f"Patient/{patient_orders[0]['patient']['id']}",
        f"SupplyRequest/{patient_orders[0]['id']}",
    } <= references
    assert event["source"]["observer"]["display"] == "orderdesk"


async def test_a_refusal_reads_as_a_fhir_minor_failure(client, world, patient_orders):
    await client.get(f"/v1/orders/{patient_orders[0]['id']}", headers=world.auth("customer_other"))
    record = (await records(client, world))[-1]
    event = (await client.get(f"{AUDIT}/{record['id']}/fhir", headers=world.auth("admin"))).json()
    assert event["outcome"] == "4"


@pytest.mark.parametrize("statement", ["update", "delete"])
@pytest.mark.parametrize("model", [AuditEvent, AuditEntity])
async def test_the_database_refuses_to_change_or_delete_an_audit_row(
    client, world, sessions, patient_orders, statement, model
):
    change = (
        update(model).values(tenant_id=model.tenant_id) if statement == "update" else delete(model)
    )
    with pytest.raises(DBAPIError, match="append-only"):
        async with session_scope(sessions) as session:
            await session.execute(change.where(model.tenant_id == world.tenant_id))


async def test_the_audit_trail_offers_no_route_that_changes_it(client, world, patient_orders):
    record = (await records(client, world))[-1]
    for method in ("PUT", "PATCH", "DELETE"):
        response = await client.request(
            method, f"{AUDIT}/{record['id']}", headers=world.auth("admin"), json={}
        )
        assert response.status_code == 405, method


async def test_postgres_refuses_truncating_the_audit_trail(client, world, sessions, database_url):
    if not database_url.startswith("postgres"):
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DBAPIError, match="append-only"):
        async with session_scope(sessions) as session:
            await session.execute(text("TRUNCATE audit_entities, audit_events"))
