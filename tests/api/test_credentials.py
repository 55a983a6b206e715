"""Credentials (API keys): admin-only; the secret is shown once and only its hash is kept."""

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from orderdesk.tenancy.models import Credential
from tests.api.builders import created, pointers, problem, without_id

MISSING = 10**12


async def make_credential(client, world, **fields) -> dict:
    body = {"name": "integration", "role": "customer", "account_id": world.accounts["customer"]}
    return await created(
        await client.post("/v1/credentials", json={**body, **fields}, headers=world.auth("admin"))
    )


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def test_an_admin_creates_a_credential_and_is_shown_its_secret(client, world):
    credential = await make_credential(client, world)
    assert credential["role"] == "customer"
    assert credential["account_id"] == world.accounts["customer"]
    assert credential["revoked_at"] is None
    assert credential["secret"].startswith(credential["prefix"])


async def test_the_secret_is_never_shown_again(client, world):
    credential = await make_credential(client, world)
    auth = world.auth("admin")
    one = await client.get(f"/v1/credentials/{credential['id']}", headers=auth)
    listed = await client.get("/v1/credentials", headers=auth)
    assert one.status_code == listed.status_code == 200
    assert "secret" not in one.json()
    assert all("secret" not in c for c in listed.json()["items"])
    assert credential["secret"] not in one.text
    assert credential["secret"] not in listed.text
    assert one.json() == {k: v for k, v in credential.items() if k != "secret"}


async def test_only_a_sha256_hash_of_the_secret_is_stored(client, world, sessions):
    credential = await make_credential(client, world)
    secret = credential["secret"]
    async with sessions() as session:
        row = (
            await session.scalars(select(Credential).where(Credential.id == credential["id"]))
        ).one()
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = [getattr(row, c.key) for c in Credential.__table__.columns]
    assert not any(isinstance(v, str) and secret in v for v in stored)


async def test_a_new_credential_acts_for_its_account(client, world):
    credential = await make_credential(client, world)
    response = await client.post(
        "/v1/sites", json={"name": "Via new key"}, headers=bearer(credential["secret"])
    )
    assert response.status_code == 201, response.text
    assert response.json()["account_id"] == world.accounts["customer"]


async def test_an_admin_lists_the_credentials_of_its_tenant_only(client, world, other_world):
    new = await make_credential(client, world)
    response = await client.get("/v1/credentials", headers=world.auth("admin"))
    assert response.status_code == 200
    names = sorted(c["name"] for c in response.json()["items"])
    assert names == sorted([*world.keys, new["name"]])
    foreign = await client.get("/v1/credentials", headers=other_world.auth("admin"))
    assert new["id"] not in {c["id"] for c in foreign.json()["items"]}


@pytest.mark.parametrize("role", ["customer", "supplier"])
async def test_an_account_credential_must_name_its_account(client, world, role):
    response = await client.post(
        "/v1/credentials", json={"name": "k", "role": role}, headers=world.auth("admin")
    )
    assert pointers(problem(response, 422)) == {"/account_id"}


async def test_an_admin_credential_must_not_name_an_account(client, world):
    response = await client.post(
        "/v1/credentials",
        json={"name": "k", "role": "admin", "account_id": world.accounts["customer"]},
        headers=world.auth("admin"),
    )
    assert pointers(problem(response, 422)) == {"/account_id"}


@pytest.mark.parametrize(("role", "account"), [("customer", "supplier"), ("supplier", "customer")])
async def test_a_credentials_account_must_be_of_its_roles_kind(client, world, role, account):
    response = await client.post(
        "/v1/credentials",
        json={"name": "k", "role": role, "account_id": world.accounts[account]},
        headers=world.auth("admin"),
    )
    assert pointers(problem(response, 422)) == {"/account_id"}


async def test_a_credential_cannot_act_for_another_tenants_account(client, world, other_world):
    response = await client.post(
        "/v1/credentials",
        json={"name": "k", "role": "customer", "account_id": other_world.accounts["customer"]},
        headers=world.auth("admin"),
    )
    assert pointers(problem(response, 422)) == {"/account_id"}
    listed = await client.get("/v1/credentials", headers=world.auth("admin"))
    assert "k" not in {c["name"] for c in listed.json()["items"]}


async def test_a_credential_name_is_at_most_100_characters(client, world):
    response = await client.post(
        "/v1/credentials", json={"name": "k" * 101, "role": "admin"}, headers=world.auth("admin")
    )
    assert pointers(problem(response, 422)) == {"/name"}


async def test_a_credential_expiry_must_carry_a_time_zone(client, world):
    response = await client.post(
        "/v1/credentials",
        json={"name": "k", "role": "admin", "expires_at": "2999-01-01T00:00:00"},
        headers=world.auth("admin"),
    )
    assert pointers(problem(response, 422)) == {"/expires_at"}


@pytest.mark.parametrize("who", ["customer", "supplier"])
async def test_only_an_admin_may_create_credentials(client, world, who):
    response = await client.post(
        "/v1/credentials",
        json={"name": "k", "role": who, "account_id": world.accounts[who]},
        headers=world.auth(who),
    )
    problem(response, 403)


@pytest.mark.parametrize("who", ["customer", "supplier"])
async def test_only_an_admin_may_list_or_read_credentials(client, world, who):
    problem(await client.get("/v1/credentials", headers=world.auth(who)), 403)
    credential = await make_credential(client, world)
    problem(await client.get(f"/v1/credentials/{credential['id']}", headers=world.auth(who)), 403)


@pytest.mark.parametrize("who", ["customer", "supplier"])
async def test_only_an_admin_may_revoke_a_credential(client, world, who):
    credential = await make_credential(client, world)
    response = await client.post(
        f"/v1/credentials/{credential['id']}/revoke", headers=world.auth(who)
    )
    problem(response, 403)
    still = await client.get("/v1/sites", headers=bearer(credential["secret"]))
    assert still.status_code == 200


async def test_revoking_a_credential_stamps_it_and_locks_it_out(client, world):
    credential = await make_credential(client, world)
    before = dt.datetime.now(dt.UTC)
    response = await client.post(
        f"/v1/credentials/{credential['id']}/revoke", headers=world.auth("admin")
    )
    assert response.status_code == 200, response.text
    revoked_at = dt.datetime.fromisoformat(response.json()["revoked_at"])
    assert revoked_at >= before - dt.timedelta(seconds=5)
    problem(await client.get("/v1/sites", headers=bearer(credential["secret"])), 401)


async def test_revoking_twice_keeps_the_first_revocation_time(client, world):
    credential = await make_credential(client, world)
    url = f"/v1/credentials/{credential['id']}/revoke"
    first = await client.post(url, headers=world.auth("admin"))
    second = await client.post(url, headers=world.auth("admin"))
    assert second.status_code == 200
    assert second.json()["revoked_at"] == first.json()["revoked_at"]


async def test_a_credential_cannot_revoke_itself(client, world):
    listed = await client.get("/v1/credentials", headers=world.auth("admin"))
    own = next(c for c in listed.json()["items"] if c["name"] == "admin")
    problem(
        await client.post(f"/v1/credentials/{own['id']}/revoke", headers=world.auth("admin")), 403
    )
    assert (await client.get("/v1/credentials", headers=world.auth("admin"))).status_code == 200


async def test_another_tenants_credential_is_not_found(client, world, other_world):
    foreign = await make_credential(client, other_world)
    auth = world.auth("admin")
    hidden = problem(await client.get(f"/v1/credentials/{foreign['id']}", headers=auth), 404)
    missing = problem(await client.get(f"/v1/credentials/{MISSING}", headers=auth), 404)
    assert without_id(hidden, foreign["id"]) == without_id(missing, MISSING)
    problem(await client.post(f"/v1/credentials/{foreign['id']}/revoke", headers=auth), 404)
    still = await client.get("/v1/sites", headers=bearer(foreign["secret"]))
    assert still.status_code == 200


async def test_a_credential_records_when_it_was_last_used(client, world):
    credential = await make_credential(client, world)
    assert credential["last_used_at"] is None
    await client.get("/v1/sites", headers=bearer(credential["secret"]))
    response = await client.get(f"/v1/credentials/{credential['id']}", headers=world.auth("admin"))
    assert response.json()["last_used_at"] is not None
