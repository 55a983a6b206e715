"""Test set-up: the same API tests run on SQLite and on a throwaway PostgreSQL database.

Each test gets a fresh tenant (``world``), so tests share one migrated database
per backend and still never see each other's rows: tenancy is the isolation.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orderdesk.app import create_app
from orderdesk.config import Settings, async_database_url
from orderdesk.db import make_engine, session_scope
from orderdesk.migrate import migrate
from orderdesk.tenancy.models import AccountKind, Role
from orderdesk.tenancy.principal import system_principal
from orderdesk.tenancy.schemas import AccountCreate, CredentialCreate
from orderdesk.tenancy.scopes import ROLE_SCOPES, Scope
from orderdesk.tenancy.service import create_account, create_credential, ensure_tenant
from tests.tenant_filter import TenantFilterGuard
from tests.tenant_filter import report as tenant_filter_report

#: Rate limits off for every app and server the tests make, unless a test sets them
#: (tests/api/test_rate_limits.py): a suite makes far more calls per key than a client.
for _setting in (
    "ORDERDESK_RATE_LIMIT",
    "ORDERDESK_RSO_RATE_LIMIT",
    "ORDERDESK_AUTH_FAILURE_RATE_LIMIT",
):
    os.environ.setdefault(_setting, "off")

PG_URL = os.environ.get("ORDERDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


async def _create_pg_database() -> str:
    server = make_url(PG_URL)
    name = f"orderdesk_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(async_database_url(PG_URL))
    try:
        async with admin.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OSError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL unreachable at {PG_URL} and CI is set: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}: {exc}")
    finally:
        await admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


async def _drop_pg_database(url: str) -> None:
    name = make_url(url).database
    admin = make_engine(async_database_url(PG_URL))
    async with admin.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A migrated database on each backend, for the whole session."""
    if request.param == "sqlite":
        url = f"sqlite:///{Path(tmp_path_factory.mktemp('db')) / 'orderdesk.db'}"
    else:
        url = await _create_pg_database()
    engine = make_engine(async_database_url(url))
    await migrate(engine)
    await engine.dispose()
    yield url
    if request.param == "postgres":
        await _drop_pg_database(url)


@pytest.fixture(scope="session")
async def app_and_sessions(
    database_url: str,
) -> AsyncIterator[tuple[object, async_sessionmaker[AsyncSession]]]:
    app = create_app(
        Settings(
            database_url=database_url,
            max_body_bytes=64 * 1024,
            rate_limit="off",
            rso_rate_limit="off",
            auth_failure_rate_limit="off",
        )
    )
    async with app.router.lifespan_context(app):
        yield app, app.state.sessionmaker


@pytest.fixture
async def client(app_and_sessions: tuple[object, object]) -> AsyncIterator[httpx.AsyncClient]:
    app, _ = app_and_sessions
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
def sessions(
    app_and_sessions: tuple[object, async_sessionmaker[AsyncSession]],
) -> async_sessionmaker[AsyncSession]:
    return app_and_sessions[1]


@dataclass
class World:
    """A fresh tenant: an admin, two customers and two suppliers, each with a key; the
    first customer and supplier also with one without ``phi:read`` (``<who>_no_phi``)."""

    tenant_id: int
    accounts: dict[str, int] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}


async def make_world(factory: async_sessionmaker[AsyncSession]) -> World:
    async with session_scope(factory) as session:
        tenant = await ensure_tenant(session, f"test-{uuid.uuid4().hex[:12]}")
        system = system_principal(tenant.id)
        world = World(tenant_id=tenant.id)
        _, world.keys["admin"] = await create_credential(
            session, CredentialCreate(name="admin", role=Role.ADMIN), principal=system
        )
        for who, kind in (
            ("customer", AccountKind.CUSTOMER),
            ("customer_other", AccountKind.CUSTOMER),
            ("supplier", AccountKind.SUPPLIER),
            ("supplier_other", AccountKind.SUPPLIER),
        ):
            account = await create_account(
                session, AccountCreate(kind=kind, name=f"{who} account"), principal=system
            )
            world.accounts[who] = account.id
            _, world.keys[who] = await create_credential(
                session,
                CredentialCreate(name=who, role=Role(kind.value), account_id=account.id),
                principal=system,
            )
        for who in ("customer", "supplier"):  # same accounts, every role scope but phi:read
            role = Role(who)
            _, world.keys[f"{who}_no_phi"] = await create_credential(
                session,
                CredentialCreate(
                    name=f"{who}_no_phi",
                    role=role,
                    account_id=world.accounts[who],
                    scopes=sorted(ROLE_SCOPES[role] - {Scope.PHI_READ}),
                ),
                principal=system,
            )
    return world


@pytest.fixture
async def world(sessions: async_sessionmaker[AsyncSession]) -> World:
    return await make_world(sessions)


@pytest.fixture
async def other_world(sessions: async_sessionmaker[AsyncSession]) -> World:
    """A second tenant, for checking that nothing crosses tenants."""
    return await make_world(sessions)


#: Ready to shard by tenant (tests/tenant_filter.py): every statement the application
#: sends to PostgreSQL on a tenant-owned table names its tenant, or the test fails.
_tenant_filter_guard = TenantFilterGuard()
event.listen(Engine, "before_cursor_execute", _tenant_filter_guard)


@pytest.fixture(autouse=True)
def _statements_name_their_tenant() -> Iterator[None]:
    # Statements of session fixtures set up for this test count against it too.
    yield
    found = _tenant_filter_guard.take()
    if found:
        pytest.fail(tenant_filter_report(found), pytrace=False)
