"""``/v1/webhooks``: subscriptions, their secrets, rotation, scoping and the URL guard."""

from __future__ import annotations

import datetime as dt

import pytest
from standardwebhooks import Webhook

from orderdesk.orders.feed import EVENT_TYPES
from orderdesk.webhooks import signing
from tests.api.builders import problem

URL = "http://127.0.0.1:9/hook"


async def subscribe(client, world, who: str = "customer", **body: object) -> dict:
    response = await client.post("/v1/webhooks", json={"url": URL, **body}, headers=world.auth(who))
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_new_webhook_answers_its_secret_once(client, world):
    made = await subscribe(client, world)
    assert made["secret"].startswith("whsec_")
    assert made["event_types"] == list(EVENT_TYPES)
    assert (made["format"], made["full_payload"], made["enabled"]) == ("native", False, True)
    auth = world.auth("customer")
    shown = (await client.get(f"/v1/webhooks/{made['id']}", headers=auth)).json()
    assert "secret" not in shown
    listed = (await client.get("/v1/webhooks", headers=auth)).json()["items"]
    assert [w["id"] for w in listed] == [made["id"]]
    assert "secret" not in listed[0]


async def test_event_types_are_checked_by_name(client, world):
    response = await client.post(
        "/v1/webhooks",
        json={"url": URL, "event_types": ["order.status_moved", "order.shipped"]},
        headers=world.auth("customer"),
    )
    body = problem(response, 422)
    (error,) = body["errors"]
    assert error["pointer"] == "/event_types/1"
    assert "order.status_moved" in error["detail"]


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "/relative", "http://user:pw@example.com/", "http:///nohost"],
)
async def test_a_url_that_is_not_http_is_refused_naming_url(client, world, url):
    response = await client.post("/v1/webhooks", json={"url": url}, headers=world.auth("customer"))
    (error,) = problem(response, 422)["errors"]
    assert error["pointer"] == "/url"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8080/hook",
        "http://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://224.0.0.1/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
    ],
)
async def test_private_loopback_and_link_local_urls_are_refused(client, world, allow_private, url):
    allow_private.webhook_allow_private = False
    response = await client.post("/v1/webhooks", json={"url": url}, headers=world.auth("customer"))
    (error,) = problem(response, 422)["errors"]
    assert error["pointer"] == "/url"
    assert "public address" in error["detail"]
    assert url not in response.text  # the refused value is not repeated


async def test_a_public_address_passes_the_guard(client, world, allow_private):
    allow_private.webhook_allow_private = False
    made = await subscribe(client, world, url="https://93.184.215.14/hook")
    assert made["url"] == "https://93.184.215.14/hook"


async def test_changing_the_url_is_checked_too(client, world, allow_private):
    made = await subscribe(client, world)
    allow_private.webhook_allow_private = False
    response = await client.patch(
        f"/v1/webhooks/{made['id']}",
        json={"url": "http://10.0.0.1/x"},
        headers=world.auth("customer"),
    )
    assert problem(response, 422)["errors"][0]["pointer"] == "/url"


async def test_full_payloads_need_phi_read(client, world):
    response = await client.post(
        "/v1/webhooks",
        json={"url": URL, "full_payload": True},
        headers=world.auth("customer_no_phi"),
    )
    (error,) = problem(response, 422)["errors"]
    assert error["pointer"] == "/full_payload"
    assert "phi:read" in error["detail"]
    made = await subscribe(client, world, full_payload=True)
    assert made["full_payload"] is True


async def test_managing_webhooks_needs_the_webhooks_write_scope(client, world):
    response = await client.post(
        "/v1/credentials",
        json={
            "name": "reader",
            "role": "customer",
            "account_id": world.accounts["customer"],
            "scopes": ["orders:read"],
        },
        headers=world.auth("admin"),
    )
    key = response.json()["secret"]
    response = await client.get("/v1/webhooks", headers={"Authorization": f"Bearer {key}"})
    assert problem(response, 403)["missing_scopes"] == ["webhooks:write"]


async def test_an_account_sees_only_its_own_webhooks(client, world, other_world):
    mine = await subscribe(client, world, "customer")
    theirs = await subscribe(client, world, "customer_other")
    supplier = await subscribe(client, world, "supplier")
    for who, visible in (
        ("customer", {mine["id"]}),
        ("customer_other", {theirs["id"]}),
        ("admin", {mine["id"], theirs["id"], supplier["id"]}),
    ):
        listed = (await client.get("/v1/webhooks", headers=world.auth(who))).json()["items"]
        assert {w["id"] for w in listed} == visible
    for outsider, auth in (
        ("customer_other", world.auth("customer_other")),
        ("supplier", world.auth("supplier")),
        ("other tenant admin", other_world.auth("admin")),
    ):
        for method, path in (
            ("GET", ""),
            ("PATCH", ""),
            ("DELETE", ""),
            ("POST", "/rotate"),
            ("GET", "/deliveries"),
        ):
            body = {"enabled": False} if method == "PATCH" else None
            response = await client.request(
                method, f"/v1/webhooks/{mine['id']}{path}", json=body, headers=auth
            )
            assert response.status_code == 404, (outsider, method, path, response.text)


async def test_a_webhook_can_be_paused_changed_and_deleted(client, world):
    made = await subscribe(client, world)
    auth = world.auth("customer")
    path = f"/v1/webhooks/{made['id']}"
    response = await client.patch(
        path, json={"enabled": False, "event_types": ["order.cancelled"]}, headers=auth
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["enabled"], changed["event_types"]) == (False, ["order.cancelled"])
    assert changed["disabled_reason"]
    response = await client.patch(path, json={"enabled": True}, headers=auth)
    assert (response.json()["enabled"], response.json()["disabled_reason"]) == (True, None)
    assert problem(await client.patch(path, json={"url": None}, headers=auth), 422)
    deleted = await client.delete(path, headers=auth)
    assert (deleted.status_code, deleted.json()["id"]) == (200, made["id"])
    assert (await client.get(path, headers=auth)).status_code == 404


async def test_rotation_answers_a_new_secret_and_both_sign_during_the_overlap(client, world):
    made = await subscribe(client, world)
    response = await client.post(
        f"/v1/webhooks/{made['id']}/rotate", headers=world.auth("customer")
    )
    assert response.status_code == 200, response.text
    rotated = response.json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != made["secret"]
    until = dt.datetime.fromisoformat(rotated["previous_secret_expires_at"])
    assert dt.timedelta(hours=23) < until - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=24)
    # Both secrets sign: a receiver holding either one verifies the delivery.
    body = b'{"id":"evt_1"}'
    now = dt.datetime.now(dt.UTC)
    headers = signing.headers([rotated["secret"], made["secret"]], "evt_1", now, body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (made["secret"], rotated["secret"]):
        assert Webhook(secret).verify(body, headers) == {"id": "evt_1"}
