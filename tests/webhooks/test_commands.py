"""``orderdesk worker`` and ``orderdesk serve --with-worker`` (what ``make run`` starts)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys

from standardwebhooks import Webhook

from orderdesk.db import utcnow
from orderdesk.webhooks.worker import Worker, WorkerOptions
from tests.api.builders import make_catalog, make_order
from tests.integration.servers import free_port, serving
from tests.webhooks.receiver import receiving

FAST = {"ORDERDESK_WEBHOOK_ALLOW_PRIVATE": "true", "ORDERDESK_WEBHOOK_POLL_INTERVAL": "0.1"}


async def _until(predicate, seconds: float = 15) -> bool:
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return False


async def test_serve_with_worker_delivers_webhooks_beside_the_server(client, world, database_url):
    async with receiving() as receiver:
        response = await client.post(
            "/v1/webhooks", json={"url": receiver.url}, headers=world.auth("customer")
        )
        secret = response.json()["secret"]
        port = free_port()
        args = ["-m", "orderdesk.cli", "serve", "--port", str(port), "--with-worker"]
        async with serving(args, port=port, database_url=database_url, env=FAST) as base:
            assert base
            catalog = await make_catalog(client, world)
            order = await make_order(client, world, catalog)
            assert await _until(lambda: bool(receiver.received))
        (sent,) = [r for r in receiver.received if r.json["order_id"] == order["id"]]
        assert Webhook(secret).verify(sent.body, sent.headers)["type"] == "order.created"


async def test_the_worker_stops_cleanly_on_sigterm(database_url):
    env = {**os.environ, "ORDERDESK_DATABASE_URL": database_url, **FAST}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "orderdesk.cli",
        "worker",
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None

    async def started() -> None:
        assert process.stderr is not None
        while True:
            line = await process.stderr.readline()
            assert line, "the worker ended before it started"
            if b"webhook worker started" in line:
                return

    await asyncio.wait_for(started(), timeout=20)
    process.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(process.communicate(), timeout=20)
    assert process.returncode == 0, err.decode()
    assert b"webhook worker stopped" in err


async def test_sigterm_lets_the_delivery_in_flight_finish_and_takes_no_other(
    client, world, database_url
):
    async with receiving() as receiver:
        receiver.delay = 1.5
        response = await client.post(
            "/v1/webhooks", json={"url": receiver.url}, headers=world.auth("customer")
        )
        webhook = response.json()
        catalog = await make_catalog(client, world)
        for _ in range(2):
            await make_order(client, world, catalog)
        one_at_a_time = {**FAST, "ORDERDESK_WEBHOOK_CONCURRENCY": "1"}
        env = {**os.environ, "ORDERDESK_DATABASE_URL": database_url, **one_at_a_time}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "orderdesk.cli", "worker", env=env
        )
        assert await _until(lambda: bool(receiver.received))
        process.send_signal(signal.SIGTERM)  # while the first attempt waits for its answer
        assert await asyncio.wait_for(process.wait(), timeout=20) == 0
        listed = await client.get(
            f"/v1/webhooks/{webhook['id']}/deliveries", headers=world.auth("customer")
        )
        states = sorted((d["state"], d["attempts"]) for d in listed.json()["items"])
        assert states == [("delivered", 1), ("pending", 0)]
        assert len(receiver.received) == 1


async def test_a_worker_killed_mid_send_loses_nothing(client, world, database_url, sessions):
    """kill -9 while the attempt is in flight: the lease expires, another worker sends it."""
    async with receiving() as receiver:
        receiver.stall = True
        response = await client.post(
            "/v1/webhooks", json={"url": receiver.url}, headers=world.auth("customer")
        )
        webhook = response.json()
        env = {**os.environ, "ORDERDESK_DATABASE_URL": database_url, **FAST}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "orderdesk.cli", "worker", env=env
        )
        try:
            catalog = await make_catalog(client, world)
            await make_order(client, world, catalog)
            assert await _until(lambda: bool(receiver.received))
        finally:
            process.kill()
            await process.wait()
        receiver.stall = False
        later = utcnow() + dt.timedelta(minutes=2)  # past the dead worker's lease
        survivor = Worker(
            sessions,
            WorkerOptions(allow_private=True),
            clock=lambda: later,
            tenants=frozenset({world.tenant_id}),
        )
        assert await survivor.run_once() == 1
        first, second = receiver.received
        assert first.headers["webhook-id"] == second.headers["webhook-id"]
        assert Webhook(webhook["secret"]).verify(second.body, second.headers)
        listed = await client.get(
            f"/v1/webhooks/{webhook['id']}/deliveries", headers=world.auth("customer")
        )
        (delivery,) = listed.json()["items"]
        assert (delivery["state"], delivery["attempts"]) == ("delivered", 2)
