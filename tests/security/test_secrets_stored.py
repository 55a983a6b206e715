"""No secret is stored as itself: a key is kept as its SHA-256 hash, a token not at all."""

from __future__ import annotations

import hashlib

import httpx
from sqlalchemy import JSON, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import orderdesk.models  # noqa: F401  (every table in the metadata)
from orderdesk.db import Base, session_scope
from orderdesk.tenancy.models import Credential
from tests.conftest import World


async def _secrets(client: httpx.AsyncClient, world: World) -> list[str]:
    """Keys made, made by rotation and traded for a token, and that token."""
    admin = world.auth("admin")
    made = await client.post("/v1/credentials", json={"name": "k", "role": "admin"}, headers=admin)
    assert made.status_code == 201, made.text
    rotated = await client.post(
        f"/v1/credentials/{made.json()['id']}/rotate", json={}, headers=admin
    )
    assert rotated.status_code == 201, rotated.text
    key = rotated.json()["secret"]
    token = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": key[:15], "client_secret": key},
    )
    assert token.status_code == 200, token.text
    return [*world.keys.values(), made.json()["secret"], key, token.json()["access_token"]]


async def _stored_text(session: AsyncSession) -> str:
    """Every value of every text and JSON column of every table, as one text."""
    values = []
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
        if columns:
            for row in await session.execute(select(*columns)):
                values.extend(str(v) for v in row if v is not None)
    return "\n".join(values)


async def test_no_key_or_token_is_stored_in_any_column(
    client, world, sessions: async_sessionmaker[AsyncSession]
):
    secrets = await _secrets(client, world)
    async with session_scope(sessions, write=False) as session:
        stored = await _stored_text(session)
    # The whole secret, and the random part after its public prefix.
    found = [s[:15] for s in secrets if s in stored or s[16:] in stored]
    assert found == []
    assert hashlib.sha256(secrets[-2].encode()).hexdigest() in stored  # the scan saw the rows


async def test_a_key_is_stored_as_the_sha256_of_its_secret(client, world, sessions):
    made = await client.post(
        "/v1/credentials", json={"name": "hashed", "role": "admin"}, headers=world.auth("admin")
    )
    secret = made.json()["secret"]
    async with session_scope(sessions, write=False) as session:
        credential = await session.scalar(
            select(Credential).where(
                Credential.tenant_id == world.tenant_id, Credential.id == made.json()["id"]
            )
        )
    assert credential is not None
    assert credential.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
