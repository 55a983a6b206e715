"""The delivery worker against a local receiver, on both backends: order, signatures,
retries, 410, Retry-After, leases and redelivery. The clock is the worker's parameter,
so no test waits for a retry delay."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from orderdesk.audit.models import AuditEvent
from orderdesk.db import session_scope, utcnow
from orderdesk.webhooks.models import WebhookSubscription
from orderdesk.webhooks.worker import Outcome, Worker, WorkerOptions, retry_after
from tests.api.builders import (
    credential_id,
    make_catalog,
    make_order,
    make_patient,
    moved,
    value,
)
from tests.webhooks.receiver import Receiver, receiving


@dataclass
class Clock:
    now: dt.datetime = field(default_factory=utcnow)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with receiving() as running:
        yield running


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def worker(sessions, world, clock) -> Worker:
    return Worker(
        sessions,
        WorkerOptions(timeout=5, allow_private=True, schedule=(0, 5, 60)),
        clock=clock,
        tenants=frozenset({world.tenant_id}),
    )


async def subscribe(client, world, url: str, who: str = "customer", **body: object) -> dict:
    response = await client.post("/v1/webhooks", json={"url": url, **body}, headers=world.auth(who))
    assert response.status_code == 201, response.text
    return response.json()


async def deliveries(client, world, webhook: dict, who: str = "customer") -> list[dict]:
    response = await client.get(f"/v1/webhooks/{webhook['id']}/deliveries", headers=world.auth(who))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_an_orders_events_arrive_in_sequence_signed_and_thin(client, world, worker, receiver):
    webhook = await subscribe(client, world, receiver.url)
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    await moved(client, world, order["id"], "processing", "shipped")
    assert await worker.run_once() == 3
    bodies = [Webhook(webhook["secret"]).verify(r.body, r.headers) for r in receiver.received]
    assert [(b["order_id"], b["sequence"], b["type"]) for b in bodies] == [
        (order["id"], 1, "order.created"),
        (order["id"], 2, "order.status_moved"),
        (order["id"], 3, "order.status_moved"),
    ]
    assert set(bodies[0]) == {"id", "type", "order_id", "sequence", "occurred_at"}  # thin
    assert [r.headers["webhook-id"] for r in receiver.received] == [b["id"] for b in bodies]
    listed = await deliveries(client, world, webhook)
    assert [(d["state"], d["attempts"], d["last_status_code"]) for d in listed] == [
        ("delivered", 1, 200)
    ] * 3
    assert await worker.run_once() == 0  # nothing twice
    gone = await client.delete(f"/v1/webhooks/{webhook['id']}", headers=world.auth("customer"))
    assert gone.status_code == 200  # its deliveries go with it


async def test_a_subscription_hears_only_of_orders_its_credential_sees(
    client, world, worker, receiver
):
    await subscribe(client, world, receiver.url, who="customer_other")
    mine = await subscribe(client, world, receiver.url, who="customer")
    catalog = await make_catalog(client, world)
    await make_order(client, world, catalog)
    assert await worker.run_once() == 1
    (only,) = receiver.received
    assert Webhook(mine["secret"]).verify(only.body, only.headers)["type"] == "order.created"


async def test_only_the_chosen_event_types_are_sent(client, world, worker, receiver):
    await subscribe(client, world, receiver.url, event_types=["order.status_moved"])
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    await moved(client, world, order["id"], "processing")
    await worker.run_once()
    assert [r.json["type"] for r in receiver.received] == ["order.status_moved"]


async def test_a_500_is_retried_on_schedule_and_holds_back_the_orders_later_events(
    client, world, worker, receiver, clock
):
    webhook = await subscribe(client, world, receiver.url)
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    await moved(client, world, order["id"], "processing")
    receiver.script = [500]
    assert await worker.run_once() == 1  # the first event failed; the second waits for it
    first = (await deliveries(client, world, webhook))[0]
    assert (first["state"], first["attempts"], first["last_status_code"]) == ("pending", 1, 500)
    assert len(await deliveries(client, world, webhook)) == 2
    assert await worker.run_once() == 0  # not due before its 5 s (less 10 %)
    clock.advance(6)
    assert await worker.run_once() == 2
    assert [r.json["sequence"] for r in receiver.received] == [1, 1, 2]
    assert receiver.received[0].headers["webhook-id"] == receiver.received[1].headers["webhook-id"]


async def test_after_the_last_attempt_a_delivery_fails_and_the_next_event_goes_on(
    client, world, worker, receiver, clock
):
    webhook = await subscribe(client, world, receiver.url)
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    await moved(client, world, order["id"], "processing")
    receiver.script = [500, 502, 504]  # three attempts, the whole (test) schedule
    await worker.run_once()
    clock.advance(6)
    await worker.run_once()
    clock.advance(70)
    await worker.run_once()
    states = [(d["sequence"], d["state"]) for d in await deliveries(client, world, webhook)]
    assert states == [(1, "failed"), (2, "delivered")]
    failed = (await deliveries(client, world, webhook))[0]
    assert (failed["attempts"], failed["last_status_code"]) == (3, 504)
    assert failed["next_attempt_at"] is None

    path = f"/v1/webhooks/{webhook['id']}/deliveries/{failed['id']}/redeliver"
    response = await client.post(path, headers=world.auth("customer"))
    assert response.status_code == 202, response.text
    assert (response.json()["state"], response.json()["attempts"]) == ("pending", 0)
    again = await client.post(path, headers=world.auth("customer"))
    assert again.status_code == 409  # still pending
    assert await worker.run_once() == 1
    assert receiver.received[-1].json["sequence"] == 1
    assert (await deliveries(client, world, webhook))[0]["state"] == "delivered"


async def test_a_410_disables_the_subscription(client, world, worker, receiver):
    webhook = await subscribe(client, world, receiver.url)
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    receiver.script = [410]
    assert await worker.run_once() == 1
    shown = (
        await client.get(f"/v1/webhooks/{webhook['id']}", headers=world.auth("customer"))
    ).json()
    assert shown["enabled"] is False and "410" in shown["disabled_reason"]
    await moved(client, world, order["id"], "processing")
    assert await worker.run_once() == 0
    assert len(receiver.received) == 1
    # Enabled again, it sends what it has held back, in order.
    response = await client.patch(
        f"/v1/webhooks/{webhook['id']}", json={"enabled": True}, headers=world.auth("customer")
    )
    assert response.status_code == 200
    assert await worker.run_once() == 2
    assert [r.json["sequence"] for r in receiver.received] == [1, 1, 2]


async def test_retry_after_is_honoured_when_later_than_the_schedule(
    client, world, worker, receiver, clock
):
    await subscribe(client, world, receiver.url)
    catalog = await make_catalog(client, world)
    await make_order(client, world, catalog)
    receiver.script = [(503, {"Retry-After": "120"})]
    await worker.run_once()
    clock.advance(10)  # the schedule alone would retry after 5 s
    assert await worker.run_once() == 0
    clock.advance(111)
    assert await worker.run_once() == 1


def test_retry_after_reads_seconds_and_http_dates():
    now = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
    assert retry_after("30", now) == now + dt.timedelta(seconds=30)
    assert retry_after("Fri, 04 Dec 2026 12:05:00 GMT", now) == now + dt.timedelta(minutes=5)
    assert retry_after("soon", now) is None
    assert retry_after(None, now) is None
    assert retry_after("999999999", now) == now + dt.timedelta(days=1)


async def test_a_lease_left_by_a_dead_worker_expires_and_the_delivery_goes_out(
    client, world, worker, receiver, clock, sessions
):
    webhook = await subscribe(client, world, receiver.url)
    catalog = await make_catalog(client, world)
    await make_order(client, world, catalog)
    await worker.fan_out()
    taken = await worker.claim()  # ... and the worker is killed before it sends
    assert taken is not None
    assert await worker.claim() is None  # leased: nobody else takes it
    clock.advance(5 + 31)  # past the attempt's timeout and the lease margin
    assert await worker.run_once() == 1
    assert Webhook(webhook["secret"]).verify(
        receiver.received[0].body, receiver.received[0].headers
    )
    (delivery,) = await deliveries(client, world, webhook)
    assert (delivery["state"], delivery["attempts"]) == ("delivered", 2)
    # The dead worker's late outcome is not recorded over the live one's.
    assert await worker.record(taken, Outcome(status=500)) is None


async def test_two_workers_never_claim_the_same_delivery(
    client, world, worker, receiver, sessions, clock
):
    await subscribe(client, world, receiver.url)
    catalog = await make_catalog(client, world)
    for _ in range(3):
        await make_order(client, world, catalog)
    await worker.fan_out()
    other = Worker(sessions, worker.options, clock=clock, tenants=worker.tenants)
    claims = await asyncio.gather(*(w.claim() for w in (worker, other, worker, other)))
    taken = [c.delivery_id for c in claims if c is not None]
    assert len(taken) == 3 and len(set(taken)) == 3


async def test_a_full_payload_carries_the_order_as_the_credential_sees_it_and_is_audited(
    client, world, worker, receiver, sessions
):
    webhook = await subscribe(client, world, receiver.url, full_payload=True)
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    order = await make_order(client, world, catalog, patient_id=patient["id"])
    await worker.run_once()
    (sent,) = receiver.received
    body = Webhook(webhook["secret"]).verify(sent.body, sent.headers)
    assert body["order"]["id"] == order["id"]
    assert body["order"]["patient"]["first_name"] == "John"
    async with session_scope(sessions) as session:
        audited = list(
            await session.scalars(
                select(AuditEvent).where(
                    AuditEvent.tenant_id == world.tenant_id, AuditEvent.surface == "webhook"
                )
            )
        )
    assert len(audited) == 1 and audited[0].phi_disclosed
    assert audited[0].request_id == sent.headers["webhook-id"]


async def test_a_credential_without_phi_read_since_gets_thin_payloads(
    client, world, worker, receiver, sessions
):
    webhook = await subscribe(client, world, receiver.url, full_payload=True)
    no_phi = await credential_id(client, world, "customer_no_phi")
    async with session_scope(sessions) as session:
        subscription = await session.get(WebhookSubscription, (world.tenant_id, webhook["id"]))
        assert subscription is not None
        # As if made by the key without phi:read (the route refuses that at creation).
        subscription.credential_id = no_phi
    catalog = await make_catalog(client, world)
    await make_order(client, world, catalog)
    await worker.run_once()
    assert "order" not in receiver.received[0].json


async def test_the_worker_runs_until_stopped(sessions, world, client, receiver):
    await subscribe(client, world, receiver.url)
    catalog = await make_catalog(client, world)
    await make_order(client, world, catalog)
    looping = Worker(
        sessions,
        WorkerOptions(poll_interval=0.05, allow_private=True, concurrency=2),
        tenants=frozenset({world.tenant_id}),
    )
    stop = asyncio.Event()
    running = asyncio.create_task(looping.run(stop))
    for _ in range(100):
        if receiver.received:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(running, timeout=10)
    assert [r.json["type"] for r in receiver.received] == ["order.created"]


async def test_a_private_url_is_refused_again_at_delivery(client, world, worker, receiver):
    webhook = await subscribe(client, world, receiver.url)
    catalog = await make_catalog(client, world)
    await make_order(client, world, catalog)
    strict = Worker(
        worker.sessions,
        WorkerOptions(timeout=5, allow_private=False, schedule=(0, 5)),
        clock=worker.clock,
        tenants=worker.tenants,
    )
    await strict.run_once()
    assert receiver.received == []
    (delivery,) = await deliveries(client, world, webhook)
    assert delivery["state"] == "pending" and "public address" in delivery["last_error"]


async def test_each_attempts_outcome_is_counted_once_recorded(
    client, world, worker, receiver, clock
):
    await subscribe(client, world, receiver.url)
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    await moved(client, world, order["id"], "processing")
    counted = "orderdesk_webhook_deliveries_total"
    delivered = await value(client, counted, outcome="delivered")
    retrying = await value(client, counted, outcome="retrying")
    receiver.script = [500]

    await worker.run_once()  # the first event fails; the second waits for it
    clock.advance(6)
    await worker.run_once()

    assert await value(client, counted, outcome="retrying") == retrying + 1
    assert await value(client, counted, outcome="delivered") == delivered + 2
