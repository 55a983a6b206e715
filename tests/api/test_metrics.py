"""``/metrics``: Prometheus text, counting requests by surface, route template and status,
orders placed and moved (only once committed), audit records, rate-limit refusals and
the webhook outbox; the pool gauges follow checkouts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from orderdesk import metrics
from orderdesk.app import create_app
from orderdesk.config import Settings, async_database_url
from orderdesk.db import make_engine
from tests.api.builders import Catalog, make_catalog, make_order, moved, scrape, timeline_of, value
from tests.api.test_rate_limits import OFF
from tests.conftest import World

DASHBOARD = Path(__file__).parents[2] / "deploy" / "grafana" / "orderdesk.json"


async def test_a_request_is_counted_by_surface_route_template_and_status(client, world: World):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    route = dict(surface="native", route="/v1/orders/{order_id}", method="GET", status="200")
    before = await value(client, "orderdesk_http_request_duration_seconds_count", **route)

    answer = await client.get(f"/v1/orders/{order['id']}", headers=world.auth("customer"))

    assert answer.status_code == 200
    samples = await scrape(client)
    assert samples[("orderdesk_http_request_duration_seconds_count", frozenset(route.items()))] == (
        before + 1
    )
    path = f"/v1/orders/{order['id']}"
    assert not any(dict(labels).get("route") == path for _, labels in samples)


async def test_a_path_no_route_matches_is_counted_as_unmatched(client):
    labels = dict(surface="native", route="unmatched", method="GET", status="404")
    before = await value(client, "orderdesk_http_request_duration_seconds_count", **labels)

    assert (await client.get("/v1/no-such-thing/42")).status_code == 404

    after = await value(client, "orderdesk_http_request_duration_seconds_count", **labels)
    assert after == before + 1


async def test_a_compatibility_surface_is_named_by_its_vendor(client, world: World):
    labels = dict(surface="rso", route="/compat/rso/api/v1/orders/{orderId}", method="PUT")

    async def counted() -> float:
        return sum(
            found
            for (name, named), found in (await scrape(client)).items()
            if name == "orderdesk_http_request_duration_seconds_count"
            and labels.items() <= dict(named).items()
        )

    before = await counted()
    await client.put("/compat/rso/api/v1/orders/12345", json={}, headers=world.auth("customer"))

    assert await counted() == before + 1


async def placed(client: httpx.AsyncClient, world: World, catalog: Catalog) -> dict[str, str]:
    """The labels an order placed from ``catalog`` is counted under (one is placed)."""
    order = await make_order(client, world, catalog)
    created = (await timeline_of(client, world, order["id"]))[0]["data"]
    return dict(workflow=created["workflow"], state=created["status"])


async def test_a_placed_order_is_counted_by_workflow_and_state(client, world: World):
    catalog = await make_catalog(client, world)
    labels = await placed(client, world, catalog)
    before = await value(client, "orderdesk_orders_created_total", **labels)

    await make_order(client, world, catalog)

    assert await value(client, "orderdesk_orders_created_total", **labels) == before + 1


async def test_an_order_refused_is_not_counted(client, world: World):
    catalog = await make_catalog(client, world)
    labels = await placed(client, world, catalog)
    before = await value(client, "orderdesk_orders_created_total", **labels)

    refused = await client.post(
        "/v1/orders",
        json={"lines": [{"item_id": catalog.item_ids[0], "count": 0}]},
        headers=world.auth("customer"),
    )

    assert refused.status_code == 422
    assert await value(client, "orderdesk_orders_created_total", **labels) == before


async def test_a_workflow_move_is_counted_by_the_state_entered(client, world: World):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    workflow = (await timeline_of(client, world, order["id"]))[0]["data"]["workflow"]
    labels = dict(workflow=workflow, state="processing")
    before = await value(client, "orderdesk_orders_moved_total", **labels)

    await moved(client, world, order["id"], "processing")

    assert await value(client, "orderdesk_orders_moved_total", **labels) == before + 1


async def test_an_audit_record_written_is_counted(client, world: World):
    before = await value(client, "orderdesk_audit_records_total", surface="native")

    refused = await client.get("/v1/orders/999999999", headers=world.auth("customer"))

    assert refused.status_code == 404  # a refusal on an order route is recorded
    assert await value(client, "orderdesk_audit_records_total", surface="native") == before + 1


async def test_a_vendors_own_not_found_is_counted_as_unmatched(client, world: World):
    labels = dict(surface="rso", route="unmatched", method="GET", status="404")
    before = await value(client, "orderdesk_http_request_duration_seconds_count", **labels)

    answer = await client.get("/compat/rso/api/v1/no-such-thing", headers=world.auth("customer"))

    assert answer.status_code == 404
    after = await value(client, "orderdesk_http_request_duration_seconds_count", **labels)
    assert after == before + 1


async def test_the_pool_gauges_follow_checkouts(database_url: str):
    engine = make_engine(async_database_url(database_url), pool_size=3)
    gauges = metrics._metrics()
    size_before = gauges.pool_size._value.get()
    try:
        with metrics.watching_pool(engine, 3):
            assert gauges.pool_size._value.get() == size_before + 3
            in_use = gauges.pool_in_use._value.get()
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
                assert gauges.pool_in_use._value.get() == in_use + 1
            assert gauges.pool_in_use._value.get() == in_use
        assert gauges.pool_size._value.get() == size_before
    finally:
        await engine.dispose()


async def test_metrics_can_be_switched_off(database_url: str):
    app = create_app(Settings(database_url=database_url, metrics=False, **OFF))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            assert (await http.get("/metrics")).status_code == 404


async def test_every_metric_the_grafana_dashboard_reads_is_served(client):
    dashboard = json.loads(DASHBOARD.read_text())
    queried = {
        re.sub(r"_(total|bucket|count|sum)$", "", name)
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\borderdesk_[a-z_]+", target["expr"])
    }
    response = await client.get("/metrics")
    served = {family.name for family in text_string_to_metric_families(response.text)}

    assert queried  # the dashboard reads orderdesk's metrics
    assert queried <= served, f"not served: {sorted(queried - served)}"
