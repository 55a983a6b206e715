"""The migrations are the schema: they match the models and they run both ways."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from orderdesk.catalog.schemas import ItemCreate
from orderdesk.catalog.service import create_item
from orderdesk.config import async_database_url
from orderdesk.db import make_engine, make_sessionmaker, session_scope
from orderdesk.migrate import alembic_config, check, migrate
from orderdesk.models import Base
from orderdesk.orders.schemas import NoteCreate, OrderCreate, OrderLineIn
from orderdesk.orders.service import add_note, create_order
from orderdesk.tenancy.models import AccountKind, Role
from orderdesk.tenancy.principal import system_principal
from orderdesk.tenancy.schemas import AccountCreate, CredentialCreate
from orderdesk.tenancy.service import (
    authenticate,
    create_account,
    create_credential,
    ensure_tenant,
)
from tests.conftest import _create_pg_database, _drop_pg_database


async def test_the_migrated_schema_matches_the_models(database_url):
    engine = make_engine(async_database_url(database_url))
    try:
        await check(engine)  # alembic check: raises if models and migrations drift apart
    finally:
        await engine.dispose()


async def test_the_migrations_go_down_to_nothing_and_up_again(tmp_path: Path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'roundtrip.db'}")

    async def tables() -> set[str]:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))

    await migrate(engine)
    assert set(Base.metadata.tables) <= await tables()
    async with engine.begin() as connection:
        await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "base"))
    assert await tables() <= {"alembic_version"}
    await migrate(engine)
    assert set(Base.metadata.tables) <= await tables()
    await engine.dispose()


async def test_manufacturers_from_before_owners_stay_tenant_wide(tmp_path: Path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'owners.db'}")
    stamp = "'2026-11-30 12:00:00'"
    await migrate(engine, "0001")
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO tenants (id, name, created_at, updated_at)"
                f" VALUES (1, 't', {stamp}, {stamp})"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO manufacturers (id, tenant_id, name, version, created_at, updated_at)"
                f" VALUES (7, 1, 'Acme', 1, {stamp}, {stamp})"
            )
        )
    await migrate(engine)
    async with engine.connect() as connection:
        rows = (
            await connection.execute(text("SELECT id, name, account_id FROM manufacturers"))
        ).all()
    assert [tuple(row) for row in rows] == [(7, "Acme", None)]
    async with engine.begin() as connection:
        await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0001"))
    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT id, name FROM manufacturers"))).all()
        columns = await connection.run_sync(
            lambda c: {col["name"] for col in inspect(c).get_columns("manufacturers")}
        )
    assert [tuple(row) for row in rows] == [(7, "Acme")]
    assert "account_id" not in columns
    await engine.dispose()


#: Contact persons as they stand before 0003, and the given and family names it fills.
CONTACTS: dict[str | None, tuple[str | None, str | None]] = {
    "Amara Osei": ("Amara", "Osei"),
    "Sam  Whitfield": ("Sam", "Whitfield"),  # two words, however spaced
    "Dr. Amara Osei": (None, None),  # a title
    "A. Osei": (None, None),  # an initial
    "Osei, Amara": (None, None),  # family first
    "Mary Ann Osei": (None, None),  # three words
    "Cher": (None, None),  # one
    None: (None, None),
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database of its own, with no tables yet, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    url = await _create_pg_database()
    yield url
    await _drop_pg_database(url)


async def _rows_of_0002(engine: AsyncEngine) -> dict[str, Any]:
    """Accounts with CONTACTS, and notes on one order by a customer, a supplier and an
    admin key, written by the services and then taken down to 0002 (which has neither
    contact names nor note accounts)."""
    await migrate(engine)
    factory = make_sessionmaker(engine)
    async with session_scope(factory) as session:
        tenant = await ensure_tenant(session, "before-0003")
        system = system_principal(tenant.id)
        contacts = {
            (
                await create_account(
                    session,
                    AccountCreate(kind=AccountKind.CUSTOMER, name=f"clinic {n}", contact_person=p),
                    principal=system,
                )
            ).id: p
            for n, p in enumerate(CONTACTS)
        }
        customer_id = next(iter(contacts))
        supplier_id = (
            await create_account(
                session, AccountCreate(kind=AccountKind.SUPPLIER, name="lab"), principal=system
            )
        ).id
        keys = {}
        for role, account_id in (
            (Role.CUSTOMER, customer_id),
            (Role.SUPPLIER, supplier_id),
            (Role.ADMIN, None),
        ):
            _, secret = await create_credential(
                session,
                CredentialCreate(name=role.value, role=role, account_id=account_id),
                principal=system,
            )
            keys[role] = await authenticate(session, secret)
        item = await create_item(
            session, ItemCreate(sku="S-1", name="Swab"), principal=keys[Role.SUPPLIER]
        )
        order = await create_order(
            session,
            OrderCreate(lines=[OrderLineIn(item_id=item.id, count=1)], notes=["by customer"]),
            principal=keys[Role.CUSTOMER],
        )
        for role in (Role.SUPPLIER, Role.ADMIN):
            await add_note(
                session, order.id, NoteCreate(text=f"by {role.value}"), principal=keys[role]
            )
    async with engine.begin() as connection:
        await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0002"))
    return {
        "contacts": contacts,
        "note_accounts": {"by customer": customer_id, "by supplier": supplier_id, "by admin": None},
    }


async def test_contact_names_are_filled_only_where_the_contact_person_splits_unambiguously(
    empty_url: str,
):
    engine = make_engine(async_database_url(empty_url))
    try:
        before = await _rows_of_0002(engine)
        async with engine.connect() as connection:
            columns = await connection.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("accounts")}
            )
        assert not {"contact_given_name", "contact_family_name"} & columns
        await migrate(engine)
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT id, contact_person, contact_given_name, contact_family_name"
                        " FROM accounts"
                    )
                )
            ).all()
        accounts = {row.id: tuple(row[1:]) for row in rows}
        for account_id, person in before["contacts"].items():
            assert accounts[account_id] == (person, *CONTACTS[person]), person
    finally:
        await engine.dispose()


async def test_a_notes_account_is_filled_from_its_credential(empty_url: str):
    engine = make_engine(async_database_url(empty_url))
    try:
        before = await _rows_of_0002(engine)
        await migrate(engine)
        async with engine.connect() as connection:
            rows = (
                await connection.execute(text("SELECT text, account_id FROM order_notes"))
            ).all()
        assert dict(rows) == before["note_accounts"]
    finally:
        await engine.dispose()
