"""OAuth2 client credentials (RFC 6749 §4.4): an API key traded for an access token at
``POST /oauth/token``, and the token used as a bearer token wherever the key works."""

from __future__ import annotations

import asyncio
import datetime as dt

import jwt
import pytest
from pydantic import ValidationError
from sqlalchemy import select

from orderdesk.config import Settings, async_database_url
from orderdesk.db import make_engine, make_sessionmaker, session_scope
from orderdesk.migrate import migrate
from orderdesk.tenancy.models import SigningKey
from orderdesk.tenancy.tokens import PURPOSE, forget_signing_keys, signing_key
from tests.api.builders import credential_id, make_catalog, make_order, problem
from tests.conftest import _create_pg_database, _drop_pg_database

TOKEN = "/oauth/token"
GRANT = {"grant_type": "client_credentials"}
#: Any other key of the length the settings ask for.
OTHER_KEY = "another-key-that-is-long-enough-for-hs256-0123456789"


def client_id(key: str) -> str:
    """The key's prefix (``od_`` and twelve hex digits), its OAuth2 client id."""
    return "_".join(key.split("_")[:2])


def basic(key: str) -> tuple[str, str]:
    return client_id(key), key


async def token_for(client, key: str, **form: str) -> dict:
    response = await client.post(TOKEN, data={**GRANT, **form}, auth=basic(key))
    assert response.status_code == 200, response.text
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def oauth_error(response, status: int, error: str) -> dict:
    """The RFC 6749 §5.2 error of ``response``, which must have ``status`` and ``error``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert isinstance(body["error_description"], str) and body["error_description"]
    return body


def unverified(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


@pytest.fixture
def settings(app_and_sessions) -> Settings:
    app, _ = app_and_sessions
    return app.state.settings


@pytest.fixture
async def key_of_app(sessions, settings) -> str:
    async with session_scope(sessions) as session:
        key = await signing_key(session, settings)
    assert key is not None
    return key


async def forged(client, world, key_of_app, **changes) -> str:
    """A real token of the supplier's key, its claims changed, signed with the app's key."""
    claims = {**unverified((await token_for(client, world.keys["supplier"]))["access_token"])}
    claims.update(changes)
    return jwt.encode(claims, key_of_app, algorithm="HS256")


# --- issuing -----------------------------------------------------------------------------


async def test_a_token_is_issued_to_a_client_authenticated_by_http_basic(client, world):
    response = await client.post(TOKEN, data=GRANT, auth=basic(world.keys["supplier"]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert isinstance(body["access_token"], str) and body["access_token"]


async def test_a_token_is_issued_to_a_client_authenticated_in_the_body(client, world):
    key = world.keys["supplier"]
    response = await client.post(
        TOKEN, data={**GRANT, "client_id": client_id(key), "client_secret": key}
    )
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "Bearer"


async def test_the_token_answer_is_never_cached(client, world):
    response = await client.post(TOKEN, data=GRANT, auth=basic(world.keys["supplier"]))
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"


async def test_without_a_scope_the_token_has_every_scope_of_the_key(client, world):
    body = await token_for(client, world.keys["customer"])
    assert body["scope"].split() == sorted(
        [
            "accounts:read",
            "catalog:read",
            "devices:read",
            "orders:read",
            "orders:write",
            "patients:read",
            "patients:write",
            "phi:read",
            "webhooks:write",
        ]
    )


async def test_a_requested_scope_narrows_the_token(client, world):
    body = await token_for(client, world.keys["customer"], scope="orders:read accounts:read")
    assert body["scope"] == "accounts:read orders:read"
    assert unverified(body["access_token"])["scope"] == "accounts:read orders:read"


async def test_the_token_carries_the_rfc_9068_claims(client, world, key_of_app):
    key = world.keys["supplier"]
    token = (await token_for(client, key))["access_token"]
    claims = jwt.decode(token, key_of_app, algorithms=["HS256"], audience="orderdesk")
    cid = await credential_id(client, world, "supplier")
    assert claims["iss"] == "orderdesk"
    assert claims["sub"] == f"credential:{cid}"
    assert claims["client_id"] == client_id(key)
    assert claims["tenant"] == world.tenant_id
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["jti"]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


async def test_a_token_never_outlives_its_key(client, world):
    expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    made = await client.post(
        "/v1/credentials",
        json={"name": "short-lived", "role": "admin", "expires_at": expires_at.isoformat()},
        headers=world.auth("admin"),
    )
    assert made.status_code == 201, made.text
    assert 590 <= (await token_for(client, made.json()["secret"]))["expires_in"] <= 600


async def test_each_token_has_its_own_jti(client, world):
    first = unverified((await token_for(client, world.keys["supplier"]))["access_token"])
    second = unverified((await token_for(client, world.keys["supplier"]))["access_token"])
    assert first["jti"] != second["jti"]


# --- refusals of the token endpoint -------------------------------------------------------


async def test_a_scope_the_key_does_not_hold_is_an_invalid_scope(client, world):
    response = await client.post(
        TOKEN, data={**GRANT, "scope": "orders:read admin"}, auth=basic(world.keys["customer"])
    )
    assert "admin" in oauth_error(response, 400, "invalid_scope")["error_description"]


async def test_an_unknown_scope_is_an_invalid_scope(client, world):
    response = await client.post(
        TOKEN, data={**GRANT, "scope": "orders:everything"}, auth=basic(world.keys["customer"])
    )
    oauth_error(response, 400, "invalid_scope")


async def test_a_wrong_secret_is_an_invalid_client_with_a_basic_challenge(client, world):
    key = world.keys["supplier"]
    response = await client.post(TOKEN, data=GRANT, auth=(client_id(key), key + "x"))
    oauth_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"] == 'Basic realm="orderdesk"'


async def test_an_unknown_client_id_is_an_invalid_client(client, world):
    response = await client.post(
        TOKEN, data=GRANT, auth=("od_000000000000", world.keys["supplier"])
    )
    oauth_error(response, 401, "invalid_client")


async def test_a_secret_of_another_key_than_the_prefix_is_an_invalid_client(client, world):
    response = await client.post(
        TOKEN,
        data=GRANT,
        auth=(client_id(world.keys["supplier"]), world.keys["supplier_other"]),
    )
    oauth_error(response, 401, "invalid_client")


async def test_a_request_without_client_authentication_is_an_invalid_client(client, world):
    response = await client.post(TOKEN, data=GRANT)
    oauth_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"] == 'Basic realm="orderdesk"'


async def test_a_revoked_key_gets_no_token(client, world):
    cid = await credential_id(client, world, "supplier")
    revoked = await client.post(f"/v1/credentials/{cid}/revoke", headers=world.auth("admin"))
    assert revoked.status_code == 200, revoked.text
    response = await client.post(TOKEN, data=GRANT, auth=basic(world.keys["supplier"]))
    oauth_error(response, 401, "invalid_client")


async def test_another_grant_type_is_unsupported(client, world):
    response = await client.post(
        TOKEN, data={"grant_type": "password"}, auth=basic(world.keys["supplier"])
    )
    oauth_error(response, 400, "unsupported_grant_type")


async def test_a_missing_grant_type_is_an_invalid_request(client, world):
    response = await client.post(
        TOKEN, data={"scope": "orders:read"}, auth=basic(world.keys["supplier"])
    )
    oauth_error(response, 400, "invalid_request")


async def test_client_credentials_sent_both_ways_are_an_invalid_request(client, world):
    key = world.keys["supplier"]
    response = await client.post(
        TOKEN,
        data={**GRANT, "client_id": client_id(key), "client_secret": key},
        auth=basic(key),
    )
    oauth_error(response, 400, "invalid_request")


async def test_a_parameter_sent_twice_is_an_invalid_request(client, world):
    response = await client.post(
        TOKEN,
        content="grant_type=client_credentials&scope=orders:read&scope=admin",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=basic(world.keys["supplier"]),
    )
    assert "scope" in oauth_error(response, 400, "invalid_request")["error_description"]


async def test_token_errors_are_never_cached(client, world):
    response = await client.post(TOKEN, data={"grant_type": "password"})
    assert response.headers["cache-control"] == "no-store"


# --- using a token ------------------------------------------------------------------------


async def test_a_token_works_on_a_native_route(client, world):
    token = (await token_for(client, world.keys["customer"]))["access_token"]
    response = await client.get("/v1/orders", headers=bearer(token))
    assert response.status_code == 200, response.text


async def test_a_token_acts_for_its_keys_account(client, world):
    token = (await token_for(client, world.keys["customer_other"]))["access_token"]
    response = await client.post("/v1/sites", json={"name": "Mine"}, headers=bearer(token))
    assert response.status_code == 201, response.text
    assert response.json()["account_id"] == world.accounts["customer_other"]


async def test_a_token_works_on_a_rayteams_route(client, world):
    order = await make_order(client, world, await make_catalog(client, world))
    token = (await token_for(client, world.keys["customer"]))["access_token"]
    response = await client.get(
        f"/compat/rayteams/v1.0/order/{order['id']}",
        headers={**bearer(token), "x-rayteams-client-id": "oauth-client"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["_id"] == str(order["id"])


async def test_a_narrowed_token_is_refused_a_route_needing_another_scope(client, world):
    token = (await token_for(client, world.keys["customer"], scope="accounts:read"))["access_token"]
    body = problem(await client.get("/v1/orders", headers=bearer(token)), 403)
    assert body["missing_scopes"] == ["orders:read"]
    assert "orders:read" in body["detail"]


async def test_a_token_signed_with_alg_none_is_unauthorized(client, world):
    claims = unverified((await token_for(client, world.keys["supplier"]))["access_token"])
    token = jwt.encode(claims, None, algorithm="none")
    problem(await client.get("/v1/orders", headers=bearer(token)), 401)


async def test_a_token_signed_with_another_key_is_unauthorized(client, world):
    claims = unverified((await token_for(client, world.keys["supplier"]))["access_token"])
    token = jwt.encode(claims, OTHER_KEY, algorithm="HS256")
    problem(await client.get("/v1/orders", headers=bearer(token)), 401)


async def test_a_token_for_another_audience_is_unauthorized(client, world, key_of_app):
    token = await forged(client, world, key_of_app, aud="someone-else")
    problem(await client.get("/v1/orders", headers=bearer(token)), 401)


async def test_a_token_of_another_issuer_is_unauthorized(client, world, key_of_app):
    token = await forged(client, world, key_of_app, iss="someone-else")
    problem(await client.get("/v1/orders", headers=bearer(token)), 401)


async def test_an_expired_token_is_unauthorized(client, world, key_of_app):
    past = int(dt.datetime.now(dt.UTC).timestamp()) - 60
    token = await forged(client, world, key_of_app, iat=past - 3600, exp=past)
    body = problem(await client.get("/v1/orders", headers=bearer(token)), 401)
    assert "expired" in body["detail"]


async def test_a_token_without_a_required_claim_is_unauthorized(client, world, key_of_app):
    claims = unverified((await token_for(client, world.keys["supplier"]))["access_token"])
    del claims["tenant"]
    token = jwt.encode(claims, key_of_app, algorithm="HS256")
    problem(await client.get("/v1/orders", headers=bearer(token)), 401)


async def test_a_token_naming_another_tenant_is_unauthorized(
    client, world, other_world, key_of_app
):
    token = await forged(client, world, key_of_app, tenant=other_world.tenant_id)
    problem(await client.get("/v1/orders", headers=bearer(token)), 401)


async def test_a_malformed_token_is_unauthorized(client, world):
    problem(await client.get("/v1/orders", headers=bearer("not.a-token")), 401)


async def test_a_revoked_keys_token_stops_working(client, world):
    token = (await token_for(client, world.keys["supplier"]))["access_token"]
    assert (await client.get("/v1/orders", headers=bearer(token))).status_code == 200
    cid = await credential_id(client, world, "supplier")
    revoked = await client.post(f"/v1/credentials/{cid}/revoke", headers=world.auth("admin"))
    assert revoked.status_code == 200, revoked.text
    problem(await client.get("/v1/orders", headers=bearer(token)), 401)


# --- the signing key ----------------------------------------------------------------------


async def test_the_signing_key_is_made_once_and_shared(sessions, settings):
    forget_signing_keys()
    async with session_scope(sessions) as session:
        first = await signing_key(session, settings)
    forget_signing_keys()  # as another process would start
    async with session_scope(sessions, write=False) as session:
        second = await signing_key(session, settings, make=False)
        rows = (
            await session.scalars(select(SigningKey).where(SigningKey.purpose == PURPOSE))
        ).all()
    assert first is not None and first == second
    assert [row.secret for row in rows] == [first]


@pytest.mark.postgres
async def test_a_process_racing_to_make_the_signing_key_takes_the_winners():
    """The loser's insert waits for the winner's, fails on the unique purpose and reads
    the winner's key, and its own transaction goes on."""
    url = await _create_pg_database()
    engine = make_engine(async_database_url(url))
    try:
        await migrate(engine)
        factory = make_sessionmaker(engine)
        settings = Settings(database_url=url)
        winners = "w" * 64

        async def loser() -> tuple[str | None, int]:
            async with session_scope(factory) as session:
                key = await signing_key(session, settings)
                count = len((await session.scalars(select(SigningKey))).all())
            return key, count

        async with session_scope(factory) as winner:
            winner.add(SigningKey(purpose=PURPOSE, secret=winners))
            await winner.flush()
            racing = asyncio.create_task(loser())
            await asyncio.sleep(0.5)
            assert not racing.done()  # its insert waits on the winner's row
        assert await racing == (winners, 1)
    finally:
        await engine.dispose()
        await _drop_pg_database(url)


async def test_a_configured_signing_key_is_used_instead(sessions):
    configured = Settings(token_signing_key=OTHER_KEY)
    async with session_scope(sessions, write=False) as session:
        assert await signing_key(session, configured, make=False) == OTHER_KEY


def test_a_short_signing_key_is_refused_naming_the_setting():
    with pytest.raises(ValidationError, match="ORDERDESK_TOKEN_SIGNING_KEY must be at least 32"):
        Settings(token_signing_key="x" * 31)


@pytest.mark.parametrize("ttl", [59, 86401])
def test_a_token_ttl_out_of_bounds_is_refused(ttl):
    with pytest.raises(ValidationError):
        Settings(token_ttl=ttl)


# --- the document -------------------------------------------------------------------------


async def test_the_token_endpoint_is_documented_under_oauth(client):
    document = (await client.get("/openapi.json")).json()
    operation = document["paths"][TOKEN]["post"]
    assert operation["tags"] == ["oauth"]
    assert "OAuthError" in str(operation["responses"]["401"])
