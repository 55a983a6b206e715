"""Fixtures of the document tests: one demo tenant per backend, read by all of them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orderdesk.db import session_scope
from orderdesk.demo import load_demo
from orderdesk.tenancy.service import ensure_tenant
from tests.compat.documents import Demo, place_everywhere


@pytest.fixture(scope="session")
async def demo_client(
    app_and_sessions: tuple[object, async_sessionmaker[AsyncSession]],
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app for the whole session (the ``client`` fixture is per test)."""
    app, _ = app_and_sessions
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture(scope="session")
async def demo(
    app_and_sessions: tuple[object, async_sessionmaker[AsyncSession]],
    demo_client: httpx.AsyncClient,
) -> Demo:
    """The demo data in a fresh tenant, plus an order placed through every surface that
    places orders (``documents.place_everywhere``). Loaded once per backend; no test
    changes it."""
    _, sessions = app_and_sessions
    async with session_scope(sessions) as session:
        tenant = await ensure_tenant(session, f"documents-{uuid.uuid4().hex[:12]}")
        data = await load_demo(session, tenant.id, key_name="documents")
    return Demo(data=data, placed=await place_everywhere(demo_client, data))
