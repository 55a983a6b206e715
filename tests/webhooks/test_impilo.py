"""Impilo's ``POST /webhook`` and what its ``order.status`` / ``order.statusFull``
webhooks send."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from standardwebhooks import Webhook

from orderdesk.webhooks.worker import Worker, WorkerOptions
from tests.api.builders import make_catalog, make_order, make_patient, moved
from tests.webhooks.receiver import Receiver, receiving

BASE = "/compat/impilo/api/v3"


def impilo(world, who: str = "customer") -> dict[str, str]:
    return {"Impilo-API-Key": world.keys[who]}


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with receiving() as running:
        yield running


@pytest.fixture
def worker(sessions, world) -> Worker:
    return Worker(
        sessions, WorkerOptions(timeout=5, allow_private=True), tenants=frozenset({world.tenant_id})
    )


async def test_create_webhook_answers_type_url_and_id_as_the_reference_shows(client, world):
    url = "http://127.0.0.1:9/impilo"
    response = await client.post(
        f"{BASE}/webhook", json={"type": "order.status", "url": url}, headers=impilo(world)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"type", "url", "id"}
    assert (body["type"], body["url"]) == ("order.status", url)
    assert isinstance(body["id"], int)
    assert response.headers["Webhook-Secret"].startswith("whsec_")
    # The same subscription, seen through the native API.
    native = await client.get(f"/v1/webhooks/{body['id']}", headers=world.auth("customer"))
    assert native.json()["format"] == "impilo-status"
    assert native.json()["event_types"] == [
        "order.status_moved",
        "order.cancelled",
        "order.tracking_added",
    ]


async def test_an_unknown_type_is_a_400_in_impilos_shape(client, world):
    response = await client.post(
        f"{BASE}/webhook",
        json={"type": "order.created", "url": "http://127.0.0.1:9/x"},
        headers=impilo(world),
    )
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and body["path"] == f"{BASE}/webhook"
    assert [e["pointer"] for e in body["errors"]] == ["/type"]


async def test_a_private_url_is_refused_naming_url(client, world, allow_private):
    allow_private.webhook_allow_private = False
    response = await client.post(
        f"{BASE}/webhook",
        json={"type": "order.statusFull", "url": "http://192.168.1.1/x"},
        headers=impilo(world),
    )
    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["/url"]


async def test_a_key_without_the_webhooks_scope_is_refused(client, world):
    made = await client.post(
        "/v1/credentials",
        json={
            "name": "orders only",
            "role": "customer",
            "account_id": world.accounts["customer"],
            "scopes": ["orders:read", "orders:write"],
        },
        headers=world.auth("admin"),
    )
    key = made.json()["secret"]
    response = await client.post(
        f"{BASE}/webhook",
        json={"type": "order.status", "url": "http://127.0.0.1:9/x"},
        headers={"Impilo-API-Key": key},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_order_status_carries_the_id_current_status_and_tracking_numbers(
    client, world, worker, receiver
):
    response = await client.post(
        f"{BASE}/webhook",
        json={"type": "order.status", "url": receiver.url},
        headers=impilo(world),
    )
    secret = response.headers["Webhook-Secret"]
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    order = await make_order(client, world, catalog, patient_id=patient["id"])
    await client.post(
        f"/v1/orders/{order['id']}/notes",
        json={"text": "no status"},
        headers=world.auth("customer"),
    )
    await moved(client, world, order["id"], "processing", "shipped")
    r = await client.post(
        f"/v1/orders/{order['id']}/tracking-numbers",
        json={"carrier": "usps", "value": "9400"},
        headers=world.auth("supplier"),
    )
    assert r.status_code == 201, r.text
    assert await worker.run_once() == 3  # two moves and the tracking number; not create, note
    bodies = [Webhook(secret).verify(r.body, r.headers) for r in receiver.received]
    assert {b["type"] for b in bodies} == {"order.status"}
    assert set(bodies[0]) == {"type", "timestamp", "data"}
    assert bodies[-1]["data"] == {
        "id": order["id"],
        "currentStatus": "shipped",
        "trackingNumbers": [{"carrier": "usps", "value": "9400"}],
    }
    assert "John" not in receiver.received[-1].body.decode()


async def test_order_status_full_carries_the_impilo_order_object(client, world, worker, receiver):
    response = await client.post(
        f"{BASE}/webhook",
        json={"type": "order.statusFull", "url": receiver.url},
        headers=impilo(world),
    )
    assert response.status_code == 200, response.text
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    order = await make_order(client, world, catalog, patient_id=patient["id"])
    await moved(client, world, order["id"], "processing")
    assert await worker.run_once() == 1
    (sent,) = receiver.received
    body = Webhook(response.headers["Webhook-Secret"]).verify(sent.body, sent.headers)
    assert body["type"] == "order.statusFull"
    shown = (await client.get(f"{BASE}/order/{order['id']}", headers=impilo(world))).json()
    assert body["data"] == shown


async def test_orders_impilo_cannot_describe_are_not_sent(client, world, worker, receiver):
    await client.post(
        f"{BASE}/webhook", json={"type": "order.status", "url": receiver.url}, headers=impilo(world)
    )
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)  # for no patient or site
    await moved(client, world, order["id"], "processing")
    assert await worker.run_once() == 0
