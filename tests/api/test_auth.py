"""Authentication: who is calling is resolved from an API key, or the answer is a 401."""

import datetime as dt

import pytest
from sqlalchemy import update

from orderdesk.db import session_scope
from orderdesk.tenancy.models import Credential
from orderdesk.tenancy.service import hash_secret
from tests.api.builders import created, problem

ROUTES = [
    ("GET", "/v1/accounts"),
    ("POST", "/v1/accounts"),
    ("GET", "/v1/credentials"),
    ("POST", "/v1/credentials/1/revoke"),
    ("GET", "/v1/patients"),
    ("POST", "/v1/patients"),
    ("GET", "/v1/sites/1"),
    ("PATCH", "/v1/sites/1"),
    ("GET", "/v1/manufacturers"),
    ("GET", "/v1/items"),
    ("POST", "/v1/items"),
    ("GET", "/v1/kits"),
    ("PATCH", "/v1/kits/1"),
    ("GET", "/v1/products"),
]


def assert_unauthorized(response) -> dict:
    """The 401's problem document, but for the id of the request it answered."""
    body = problem(response, 401)
    assert response.headers["www-authenticate"].lower().startswith("bearer")
    assert body.pop("request_id") == response.headers["X-Request-ID"]
    return body


async def key_for(client, world, **fields) -> str:
    body = {"name": "k", "role": "supplier", "account_id": world.accounts["supplier"], **fields}
    response = await client.post("/v1/credentials", json=body, headers=world.auth("admin"))
    return (await created(response))["secret"]


async def test_a_key_is_accepted_as_a_bearer_token(client, world):
    response = await client.get(
        "/v1/accounts/" + str(world.accounts["supplier"]),
        headers={"Authorization": f"Bearer {world.keys['supplier']}"},
    )
    assert response.status_code == 200


async def test_a_key_is_accepted_in_the_x_api_key_header(client, world):
    response = await client.get(
        "/v1/accounts/" + str(world.accounts["supplier"]),
        headers={"X-API-Key": world.keys["supplier"]},
    )
    assert response.status_code == 200


async def test_the_key_decides_the_role_and_account(client, world):
    response = await client.post(
        "/v1/sites", json={"name": "Mine"}, headers={"X-API-Key": world.keys["customer_other"]}
    )
    assert response.status_code == 201
    assert response.json()["account_id"] == world.accounts["customer_other"]


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_a_request_without_a_key_is_unauthorized(client, method, path):
    response = await client.request(method, path, json={})
    assert_unauthorized(response)


async def test_an_unknown_key_is_unauthorized(client, world):
    response = await client.get("/v1/sites", headers={"Authorization": "Bearer od_nope_123"})
    assert_unauthorized(response)


async def test_an_unknown_x_api_key_is_unauthorized(client, world):
    assert_unauthorized(await client.get("/v1/sites", headers={"X-API-Key": "od_nope_123"}))


async def test_an_empty_bearer_token_is_unauthorized(client, world):
    assert_unauthorized(await client.get("/v1/sites", headers={"Authorization": "Bearer "}))


async def test_a_key_sent_with_another_scheme_is_unauthorized(client, world):
    response = await client.get(
        "/v1/sites", headers={"Authorization": f"Basic {world.keys['admin']}"}
    )
    assert_unauthorized(response)


async def test_a_revoked_key_is_unauthorized(client, world):
    secret = await key_for(client, world)
    listed = await client.get("/v1/credentials", headers=world.auth("admin"))
    ident = next(c["id"] for c in listed.json()["items"] if secret.startswith(c["prefix"]))
    revoked = await client.post(f"/v1/credentials/{ident}/revoke", headers=world.auth("admin"))
    assert revoked.status_code == 200
    assert_unauthorized(await client.get("/v1/sites", headers={"X-API-Key": secret}))


async def expired_key(client, world, sessions) -> str:
    """A key made to expire in a minute, once that minute has passed."""
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)).isoformat()
    secret = await key_for(client, world, expires_at=soon)
    async with session_scope(sessions) as session:
        await session.execute(
            update(Credential)
            .where(Credential.secret_hash == hash_secret(secret))
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    return secret


async def test_an_expired_key_is_unauthorized(client, world, sessions):
    secret = await expired_key(client, world, sessions)
    assert_unauthorized(await client.get("/v1/sites", headers={"X-API-Key": secret}))


async def test_a_key_cannot_be_made_already_expired(client, world):
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
    body = {"name": "k", "role": "supplier", "account_id": world.accounts["supplier"]}
    response = await client.post(
        "/v1/credentials", json={**body, "expires_at": past}, headers=world.auth("admin")
    )
    assert problem(response, 422)["errors"] == [
        {"detail": "must be in the future", "pointer": "/expires_at"}
    ]


async def test_a_key_works_until_it_expires(client, world):
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    secret = await key_for(client, world, expires_at=future)
    response = await client.get("/v1/sites", headers={"X-API-Key": secret})
    assert response.status_code == 200


async def test_a_401_does_not_say_whether_the_key_was_unknown_revoked_or_expired(
    client, world, sessions
):
    expired = await expired_key(client, world, sessions)
    unknown = await client.get("/v1/sites", headers={"X-API-Key": "od_nope_123"})
    stale = await client.get("/v1/sites", headers={"X-API-Key": expired})
    assert assert_unauthorized(unknown) == assert_unauthorized(stale)


async def test_authentication_is_checked_before_the_body(client, world):
    response = await client.post("/v1/sites", json={"name": 5, "bogus": True})
    assert_unauthorized(response)


async def test_another_tenants_key_sees_only_its_own_tenant(client, world, other_world):
    response = await client.get("/v1/accounts", headers=other_world.auth("admin"))
    ids = {a["id"] for a in response.json()["items"]}
    assert ids == set(other_world.accounts.values())


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_the_health_probes_answer_without_a_key(client, path):
    response = await client.get(path)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_the_openapi_document_describes_the_v1_routes(client):
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/v1/accounts",
        "/v1/credentials/{credential_id}/revoke",
        "/v1/patients/{patient_id}",
        "/v1/sites",
        "/v1/manufacturers",
        "/v1/items",
        "/v1/kits/{kit_id}",
        "/v1/products",
    ):
        assert path in paths
    schemes = response.json()["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} >= {"oauth2", "apiKey"}
    flow = schemes["OAuth2"]["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "/oauth/token"
    assert "phi:read" in flow["scopes"]


async def test_the_interactive_docs_are_served(client):
    response = await client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text
