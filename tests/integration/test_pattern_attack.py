"""A single-process ``orderdesk serve`` stays live while orders attack a backtracking pattern.

Issue 8, section 6: an order whose data meets ``^(a+)+$`` with ``"a" * 30 + "!"`` froze a
worker for 8 s. With patterns on RE2 each such order is answered at once, so the liveness
probe, served by the same event loop, keeps answering within its 100 ms.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections import Counter

import httpx
import pytest

from tests.api.builders import created, make_catalog
from tests.integration.servers import free_port, serving

# It times answers, so it runs with no other test beside it (``make test``'s second step).
pytestmark = pytest.mark.alone

EVIL = {"type": "object", "properties": {"code": {"type": "string", "pattern": "^(a+)+$"}}}
ATTACK = "a" * 30 + "!"
PROBES = 20
PROBE_GAP = 0.15  # 20 probes spread over 3 s of attack
PROBE_LIMIT = 0.1  # the requirement for /healthz
ATTACK_LIMIT = 10.0  # the attacker sends no order after this, whatever happens


class Attack(threading.Thread):
    """Places attack orders one after another, as fast as the server answers, until stopped."""

    def __init__(self, base: str, body: dict, headers: dict) -> None:
        super().__init__()
        self.base, self.body, self.headers = base, body, headers
        self.underway, self.stop = threading.Event(), threading.Event()
        self.answers: Counter[int] = Counter()

    def run(self) -> None:
        ends = time.monotonic() + ATTACK_LIMIT
        with httpx.Client(base_url=self.base, headers=self.headers, timeout=120) as http:
            http.get("/healthz")  # connected, so the first order goes straight out
            self.underway.set()
            while not self.stop.is_set() and time.monotonic() < ends:
                self.answers[http.post("/v1/orders", json=self.body).status_code] += 1


def _probe(base: str, attack: Attack) -> list[float]:
    """Each probe's own round trip, over a connection opened before the attack began."""
    with httpx.Client(base_url=base, timeout=120) as http:
        assert http.get("/healthz").status_code == 200  # connect outside the measurement
        assert attack.underway.wait(timeout=30), "the attack did not start"
        latencies = []
        for _ in range(PROBES):
            started = time.perf_counter()
            response = http.get("/healthz")
            latencies.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
            time.sleep(PROBE_GAP)
        return latencies


async def test_healthz_answers_within_100ms_while_orders_attack_a_pattern(
    client, world, database_url, tmp_path
):
    r = await client.post(
        "/v1/order-schemas", json={"name": "evil", "schema": EVIL}, headers=world.auth("supplier")
    )
    await created(r)
    catalog = await make_catalog(client, world)
    order = {"lines": [{"item_id": catalog.item_ids[0]}], "schema_name": "evil"}
    port = free_port()
    args = ["-m", "orderdesk.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    async with serving(
        args, port=port, database_url=database_url, log=tmp_path / "serve.log"
    ) as base:
        customer = world.auth("customer")
        async with httpx.AsyncClient(base_url=base, headers=customer, timeout=30) as http:
            r = await http.post("/v1/orders", json={**order, "data": {"code": ATTACK}})
            assert r.status_code == 422 and "does not match" in r.text, r.text
        attack = Attack(base, {**order, "data": {"code": ATTACK}}, customer)
        attack.start()
        try:
            latencies = await asyncio.to_thread(_probe, base, attack)
        finally:
            attack.stop.set()
            await asyncio.to_thread(attack.join)
    shown = ", ".join(f"{s * 1000:.1f}" for s in latencies)
    print(
        f"\n/healthz under attack, ms: median {statistics.median(latencies) * 1000:.1f}, "
        f"max {max(latencies) * 1000:.1f} [{shown}]; attack answers {dict(attack.answers)}"
    )
    assert max(latencies) < PROBE_LIMIT, f"probe round trips, ms: {shown}"
    assert set(attack.answers) == {422}, attack.answers
    assert attack.answers.total() > PROBES, attack.answers  # the probes met a steady attack
