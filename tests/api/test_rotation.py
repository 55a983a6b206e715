"""Rotating a key: a new key in its place, the old one working until told; prefixes are
random, never derived from the secret, and never shared."""

from __future__ import annotations

import datetime as dt
import hashlib

import httpx
import pytest
from sqlalchemy.exc import IntegrityError

from orderdesk.db import session_scope
from orderdesk.tenancy.models import Credential, Role
from orderdesk.tenancy.service import hash_secret
from tests.api.builders import created, pointers, problem
from tests.conftest import World

SHARED = {"name", "role", "account_id", "scopes", "expires_at"}


async def make_key(client: httpx.AsyncClient, world: World, **fields: object) -> dict:
    body = {"name": "rotating", "role": "customer", "account_id": world.accounts["customer"]}
    return await created(
        await client.post("/v1/credentials", json={**body, **fields}, headers=world.auth("admin"))
    )


async def rotate(
    client: httpx.AsyncClient, world: World, credential_id: int, **fields: object
) -> httpx.Response:
    return await client.post(
        f"/v1/credentials/{credential_id}/rotate", json=fields, headers=world.auth("admin")
    )


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def later(**delta: float) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(**delta)).isoformat()


async def works(client: httpx.AsyncClient, secret: str) -> int:
    """The status a plain read with ``secret`` gets."""
    return (await client.get("/v1/sites", headers=bearer(secret))).status_code


async def test_rotating_gives_a_new_key_in_the_old_ones_place(client, world):
    old = await make_key(client, world, scopes=["orders:read", "patients:read"])
    new = await created(await rotate(client, world, old["id"]))
    assert new["id"] != old["id"]
    assert new["prefix"] != old["prefix"]
    assert new["secret"] != old["secret"]
    assert new["secret"].startswith(new["prefix"])
    assert new["rotated_from_id"] == old["id"]
    assert {k: new[k] for k in SHARED} == {k: old[k] for k in SHARED}
    assert new["revoked_at"] is None


async def test_the_new_key_keeps_the_old_ones_expiry(client, world):
    old = await make_key(client, world, expires_at=later(days=30))
    new = await created(await rotate(client, world, old["id"], old_valid_until=later(days=1)))
    assert new["expires_at"] == old["expires_at"]


async def test_the_new_key_works(client, world):
    old = await make_key(client, world)
    new = await created(await rotate(client, world, old["id"]))
    assert await works(client, new["secret"]) == 200


async def test_the_new_key_is_read_back_with_the_key_it_replaced(client, world):
    old = await make_key(client, world)
    new = await created(await rotate(client, world, old["id"]))
    response = await client.get(f"/v1/credentials/{new['id']}", headers=world.auth("admin"))
    assert response.json() == {k: v for k, v in new.items() if k != "secret"}
    assert response.json()["rotated_from_id"] == old["id"]


async def test_with_old_valid_until_in_the_future_the_old_key_still_works(client, world):
    old = await make_key(client, world)
    until = later(hours=1)
    await created(await rotate(client, world, old["id"], old_valid_until=until))
    assert await works(client, old["secret"]) == 200
    response = await client.get(f"/v1/credentials/{old['id']}", headers=world.auth("admin"))
    expires = dt.datetime.fromisoformat(response.json()["expires_at"])
    assert expires == dt.datetime.fromisoformat(until)


async def test_the_old_key_never_outlives_its_own_expiry(client, world):
    expiry = later(hours=1)
    old = await make_key(client, world, expires_at=expiry)
    await created(await rotate(client, world, old["id"], old_valid_until=later(days=7)))
    response = await client.get(f"/v1/credentials/{old['id']}", headers=world.auth("admin"))
    assert dt.datetime.fromisoformat(response.json()["expires_at"]) == dt.datetime.fromisoformat(
        expiry
    )


async def test_without_old_valid_until_the_old_key_stops_at_once(client, world):
    old = await make_key(client, world)
    await created(await rotate(client, world, old["id"]))  # the body is {}
    response = await client.get("/v1/sites", headers=bearer(old["secret"]))
    problem(response, 401)


async def test_old_valid_until_in_the_past_is_refused(client, world):
    old = await make_key(client, world)
    response = await rotate(client, world, old["id"], old_valid_until=later(minutes=-1))
    assert pointers(problem(response, 422)) == {"/old_valid_until"}
    assert await works(client, old["secret"]) == 200  # nothing changed


async def test_old_valid_until_must_carry_a_time_zone(client, world):
    old = await make_key(client, world)
    naive = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).replace(tzinfo=None).isoformat()
    response = await rotate(client, world, old["id"], old_valid_until=naive)
    assert pointers(problem(response, 422)) == {"/old_valid_until"}


async def test_rotating_a_revoked_key_is_a_conflict(client, world):
    old = await make_key(client, world)
    revoked = await client.post(f"/v1/credentials/{old['id']}/revoke", headers=world.auth("admin"))
    assert revoked.status_code == 200, revoked.text
    problem(await rotate(client, world, old["id"]), 409)


async def test_rotating_a_key_that_already_stopped_is_a_conflict(client, world):
    old = await make_key(client, world)
    await created(await rotate(client, world, old["id"]))
    problem(await rotate(client, world, old["id"]), 409)


@pytest.mark.parametrize("who", ["customer", "supplier"])
async def test_only_an_admin_may_rotate_a_key(client, world, who):
    old = await make_key(client, world)
    response = await client.post(
        f"/v1/credentials/{old['id']}/rotate", json={}, headers=world.auth(who)
    )
    problem(response, 403)
    assert await works(client, old["secret"]) == 200


async def test_another_tenants_key_cannot_be_rotated(client, world, other_world):
    old = await make_key(client, world)
    response = await client.post(
        f"/v1/credentials/{old['id']}/rotate", json={}, headers=other_world.auth("admin")
    )
    problem(response, 404)
    assert await works(client, old["secret"]) == 200


# --- prefixes ----------------------------------------------------------------------------------


async def test_a_prefix_is_not_derived_from_the_secret(client, world):
    for _ in range(5):
        key = await make_key(client, world)
        derived = "od_" + hashlib.sha256(key["secret"].encode()).hexdigest()[:12]
        assert key["prefix"] != derived
        assert key["prefix"].startswith("od_")


async def test_no_two_keys_share_a_prefix(client, world):
    keys = [await make_key(client, world) for _ in range(20)]
    assert len({k["prefix"] for k in keys}) == len(keys)
    listed = await client.get("/v1/credentials?limit=500", headers=world.auth("admin"))
    prefixes = [c["prefix"] for c in listed.json()["items"]]
    assert len(set(prefixes)) == len(prefixes)


async def test_the_database_refuses_a_second_key_with_the_same_prefix(client, world, sessions):
    taken = (await make_key(client, world))["prefix"]
    with pytest.raises(IntegrityError):
        async with session_scope(sessions) as session:
            session.add(
                Credential(
                    tenant_id=world.tenant_id,
                    name="copy",
                    role=Role.ADMIN,
                    scopes=[],
                    prefix=taken,
                    secret_hash=hash_secret("another secret"),
                )
            )
