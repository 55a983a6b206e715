"""Every request has an id: the caller's ``X-Request-ID`` when it is a plain token, else a
new one. The answer returns it, and error bodies and audit records carry it."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.api.builders import all_pages, make_catalog, make_order, make_patient
from tests.conftest import World

NEW_ID = re.compile(r"[0-9a-f]{32}")


async def test_the_callers_request_id_comes_back(client: httpx.AsyncClient):
    response = await client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.91:2"})
    assert response.headers["X-Request-ID"] == "lb-7f3a.91:2"


async def test_a_request_without_an_id_is_given_a_new_one(client: httpx.AsyncClient):
    first = (await client.get("/healthz")).headers["X-Request-ID"]
    second = (await client.get("/healthz")).headers["X-Request-ID"]
    assert NEW_ID.fullmatch(first) and NEW_ID.fullmatch(second)
    assert first != second


@pytest.mark.parametrize("sent", ["a" * 65, "two words", "x\u00e9", "<script>"])
async def test_an_id_that_is_not_a_plain_token_is_replaced(client: httpx.AsyncClient, sent):
    response = await client.get("/healthz", headers={"X-Request-ID": sent.encode("utf-8")})
    assert NEW_ID.fullmatch(response.headers["X-Request-ID"])


async def test_a_problem_document_names_the_request(client: httpx.AsyncClient):
    response = await client.get("/v1/orders", headers={"X-Request-ID": "req-401"})
    assert response.status_code == 401
    assert response.json()["request_id"] == "req-401"


async def test_an_unknown_path_is_answered_with_the_requests_id(client: httpx.AsyncClient):
    response = await client.get("/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["request_id"] == response.headers["X-Request-ID"]


async def test_a_compatibility_apis_answer_returns_the_id_too(client: httpx.AsyncClient):
    response = await client.get(
        "/compat/labportal/api-v1/commerce/orders/1", headers={"X-Request-ID": "compat-1"}
    )
    assert response.status_code == 401
    assert response.headers["X-Request-ID"] == "compat-1"


async def test_the_audit_record_carries_the_callers_request_id(
    client: httpx.AsyncClient, world: World
):
    catalog = await make_catalog(client, world)
    patient = await make_patient(client, world)
    order = await make_order(client, world, catalog, patient_id=patient["id"])
    response = await client.get(
        f"/v1/orders/{order['id']}",
        headers={**world.auth("customer"), "X-Request-ID": "trace-me-42"},
    )
    assert response.status_code == 200
    records = await all_pages(client, "/v1/audit-events", world.auth("admin"), order_id=order["id"])
    assert "trace-me-42" in {record["request_id"] for record in records}
