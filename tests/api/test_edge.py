"""The edge every surface shares: one unit of work per request, hooks before its commit,
and unexpected failures answered in the surface's own shape without leaking values."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.http.routing import BeforeCommit, before_commit_hooks
from orderdesk.orders.models import OrderTag
from tests.api.builders import make_catalog, make_order

SECRET = "Amara Osei 1961-04-02"


@contextmanager
def hook(app: object, run: BeforeCommit) -> Iterator[None]:
    hooks = before_commit_hooks(app)  # type: ignore[arg-type]
    hooks.append(run)
    try:
        yield
    finally:
        hooks.remove(run)


async def fail(request: Request, response: Response, session: AsyncSession) -> None:
    if request.method == "POST":
        raise RuntimeError(f"boom: {SECRET}")


async def test_a_hook_sees_the_response_and_commits_with_the_work(client, world, app_and_sessions):
    app, _ = app_and_sessions
    catalog = await make_catalog(client, world)
    seen: list[int] = []

    async def record(request: Request, response: Response, session: AsyncSession) -> None:
        if request.url.path == "/v1/orders" and request.method == "POST":
            order = json.loads(bytes(response.body))
            seen.append(response.status_code)
            session.add(OrderTag(tenant_id=world.tenant_id, order_id=order["id"], value="hooked"))

    with hook(app, record):
        order = await make_order(client, world, catalog)
    assert seen == [201]
    stored = await client.get(f"/v1/orders/{order['id']}", headers=world.auth("customer"))
    assert stored.json()["tags"] == ["hooked"]


async def test_a_failing_hook_rolls_the_work_back(client, world, app_and_sessions):
    app, _ = app_and_sessions
    catalog = await make_catalog(client, world)
    body = {"lines": [{"item_id": catalog.item_ids[0]}]}
    with hook(app, fail):
        r = await client.post("/v1/orders", json=body, headers=world.auth("customer"))
    assert r.status_code == 500
    listed = await client.get("/v1/orders", headers=world.auth("customer"))
    assert listed.json()["items"] == []


async def test_an_unexpected_error_is_a_problem_with_a_request_id_and_no_value_logged(
    client, world, app_and_sessions, caplog
):
    app, _ = app_and_sessions
    catalog = await make_catalog(client, world)
    body = {"lines": [{"item_id": catalog.item_ids[0]}], "memo": SECRET}
    with hook(app, fail), caplog.at_level(logging.ERROR, logger="orderdesk"):
        r = await client.post("/v1/orders", json=body, headers=world.auth("customer"))
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == 500
    assert problem["request_id"] in caplog.text
    assert "RuntimeError" in caplog.text
    assert SECRET not in caplog.text
    assert SECRET not in r.text


async def test_an_unexpected_error_on_a_compatibility_api_keeps_its_shape(
    client, world, app_and_sessions
):
    app, _ = app_and_sessions

    async def fail_always(request: Request, response: Response, session: AsyncSession) -> None:
        raise RuntimeError(SECRET)

    with hook(app, fail_always):
        r = await client.get(
            "/compat/impilo/api/v3/order", headers={"Impilo-API-Key": world.keys["customer"]}
        )
    assert r.status_code == 500
    assert r.json()["error"] == "Internal Server Error"
    assert "request id" in r.json()["message"]
    assert SECRET not in r.text


async def test_a_body_of_a_media_type_no_route_takes_is_a_415(client, world):
    r = await client.post(
        "/v1/patients",
        content=b"<patient/>",
        headers={**world.auth("customer"), "Content-Type": "application/xml"},
    )
    assert r.status_code == 415
    assert r.json()["status"] == 415


async def test_a_415_on_a_compatibility_api_is_in_its_shape(client, world):
    r = await client.put(
        "/compat/rso/api/v1/orders/1/",
        content=b"status=Completed",
        headers={**world.auth("supplier"), "Content-Type": "text/plain"},
    )
    assert r.status_code == 415
    assert r.json()["response_code"] == 415


async def test_nothing_acceptable_on_the_native_api_is_a_406(client, world):
    r = await client.get("/v1/orders", headers={**world.auth("customer"), "Accept": "text/html"})
    assert r.status_code == 406
    assert r.headers["content-type"] == "application/problem+json"


async def test_an_unknown_path_under_a_compatibility_api_is_answered_in_its_shape(client, world):
    r = await client.get(
        "/compat/impilo/api/v3/no-such-thing", headers={"Impilo-API-Key": world.keys["customer"]}
    )
    assert r.status_code == 404
    assert r.json()["error"] == "Not Found"


async def test_a_method_a_compatibility_path_lacks_is_a_405_in_its_shape(client, world):
    r = await client.delete(
        "/compat/impilo/api/v3/order", headers={"Impilo-API-Key": world.keys["customer"]}
    )
    assert r.status_code == 405
    assert r.json()["status"] == 405
    assert "POST" in r.headers["allow"]


async def test_an_unknown_native_path_is_a_problem_document(client):
    r = await client.get("/v1/no-such-thing")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
