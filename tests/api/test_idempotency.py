"""``Idempotency-Key``: a retried write answers what the first did, and does it once."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from orderdesk.db import session_scope
from orderdesk.idempotency import store
from orderdesk.idempotency.models import IdempotencyRecord
from orderdesk.orders.models import Order
from tests.api.builders import credential_id, make_catalog, parameters, problem


async def _count_orders(sessions, world) -> int:
    async with session_scope(sessions, write=False) as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(Order).where(Order.tenant_id == world.tenant_id)
            )
            or 0
        )


def _order_body(catalog, count: int = 3) -> dict:
    return {"lines": [{"item_id": catalog.item_ids[0], "count": count}]}


async def _create(client, world, body, key: str, who: str = "customer"):
    headers = {**world.auth(who), "Idempotency-Key": key}
    return await client.post("/v1/orders", json=body, headers=headers)


async def test_a_retry_gets_the_first_answer_and_makes_nothing_new(client, world, sessions):
    body = _order_body(await make_catalog(client, world))
    first = await _create(client, world, body, "key-1")
    retry = await _create(client, world, body, "key-1")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["location"] == first.headers["location"]
    assert retry.headers["etag"] == first.headers["etag"]
    assert await _count_orders(sessions, world) == 1


async def test_only_the_replayed_answer_says_it_was_replayed(client, world):
    body = _order_body(await make_catalog(client, world))
    first = await _create(client, world, body, "key-1")
    retry = await _create(client, world, body, "key-1")
    assert "idempotent-replayed" not in first.headers
    assert retry.headers["idempotent-replayed"] == "true"


async def test_the_same_key_with_another_body_is_a_422_naming_the_header(client, world, sessions):
    catalog = await make_catalog(client, world)
    await _create(client, world, _order_body(catalog, 3), "key-1")
    other = await _create(client, world, _order_body(catalog, 4), "key-1")
    assert parameters(problem(other, 422)) == {"Idempotency-Key"}
    assert await _count_orders(sessions, world) == 1


async def test_an_answer_to_invalid_input_is_not_kept(client, world, sessions):
    catalog = await make_catalog(client, world)
    refused = await _create(client, world, {"lines": []}, "key-1")
    assert refused.status_code == 422
    fixed = await _create(client, world, _order_body(catalog), "key-1")
    assert fixed.status_code == 201
    assert "idempotent-replayed" not in fixed.headers
    assert await _count_orders(sessions, world) == 1


async def test_a_key_belongs_to_its_credential(client, world, sessions):
    catalog = await make_catalog(client, world)
    mine = await _create(client, world, _order_body(catalog), "shared-key")
    theirs = await _create(client, world, _order_body(catalog), "shared-key", who="admin")
    assert theirs.status_code == 422  # the admin's body lacks a customer: its own answer
    customers = await _create(
        client,
        world,
        {**_order_body(catalog), "customer_account_id": world.accounts["customer"]},
        "shared-key",
        who="admin",
    )
    assert customers.status_code == 201
    assert customers.json()["id"] != mine.json()["id"]
    assert await _count_orders(sessions, world) == 2


async def test_an_expired_key_runs_the_request_anew(client, world, sessions):
    body = _order_body(await make_catalog(client, world))
    first = await _create(client, world, body, "key-1")
    async with session_scope(sessions) as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.tenant_id == world.tenant_id)
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    again = await _create(client, world, body, "key-1")
    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]


async def test_purging_drops_only_the_expired_answers(client, world, sessions):
    body = _order_body(await make_catalog(client, world))
    await _create(client, world, body, "old")
    await _create(client, world, body, "young")
    now = dt.datetime.now(dt.UTC)
    async with session_scope(sessions) as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.tenant_id == world.tenant_id, IdempotencyRecord.key == "old")
            .values(expires_at=now - dt.timedelta(seconds=1))
        )
    async with session_scope(sessions) as session:
        await store.purge_expired(session, now)
    async with session_scope(sessions, write=False) as session:
        keys = await session.scalars(
            select(IdempotencyRecord.key).where(IdempotencyRecord.tenant_id == world.tenant_id)
        )
        assert list(keys) == ["young"]


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "tab\there", '"unclosed', '""'])
async def test_a_malformed_key_is_a_400_naming_the_header(client, world, key):
    catalog = await make_catalog(client, world)
    headers = {**world.auth("customer"), "Idempotency-Key": key}
    response = await client.post("/v1/orders", json=_order_body(catalog), headers=headers)
    assert parameters(problem(response, 400)) == {"Idempotency-Key"}


async def test_a_request_while_the_first_with_its_key_runs_is_a_409(
    client, world, sessions, database_url
):
    if not database_url.startswith("postgresql"):
        pytest.skip("on SQLite writes take turns: a second request waits, then is replayed")
    body = _order_body(await make_catalog(client, world))
    claim = store.Claim(
        tenant_id=world.tenant_id,
        credential_id=await credential_id(client, world, "customer"),
        key="busy",
        fingerprint=store.fingerprint("POST", "/v1/orders", b""),
    )
    async with session_scope(sessions) as running:  # holds the key as a running request does
        await store.claim(running, claim)
        busy = await _create(client, world, body, "busy")
    assert parameters(problem(busy, 409)) == {"Idempotency-Key"}
    assert await _count_orders(sessions, world) == 0


async def test_a_quoted_key_and_the_same_key_bare_are_one_key(client, world, sessions):
    body = _order_body(await make_catalog(client, world))
    first = await _create(client, world, body, '"key-1"')
    retry = await _create(client, world, body, "key-1")
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
