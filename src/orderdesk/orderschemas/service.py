"""Use cases for order schemas, and the check every order's data goes through."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.errors import FieldError, Forbidden, ValidationFailed, check_version
from orderdesk.orderschemas.checks import check_schema
from orderdesk.orderschemas.limits import CannotCheck
from orderdesk.orderschemas.models import OrderSchema
from orderdesk.orderschemas.schemas import OrderSchemaCreate, OrderSchemaUpdate
from orderdesk.orderschemas.validator import violations
from orderdesk.tenancy.accounts import account_of_kind
from orderdesk.tenancy.models import AccountKind, Role
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import get_visible, select_visible


async def create_order_schema(
    session: AsyncSession, data: OrderSchemaCreate, *, principal: Principal
) -> OrderSchema:
    principal.require(Role.ADMIN, Role.SUPPLIER)
    account_id = None
    if not (principal.is_admin and data.account_id is None):
        account_id = principal.owning_account(data.account_id)
        await account_of_kind(
            session, account_id, AccountKind.SUPPLIER, principal=principal, pointer="/account_id"
        )
    await asyncio.to_thread(check_schema, data.schema_)  # ~0.3 ms a node: off the event loop
    taken = (
        await session.scalars(
            select(OrderSchema.id).where(
                OrderSchema.tenant_id == principal.tenant_id, OrderSchema.name == data.name
            )
        )
    ).first()
    if taken is not None:
        raise ValidationFailed(
            f"an order schema named {data.name!r} exists",
            errors=[FieldError("must be unique in the tenant", pointer="/name")],
        )
    record = OrderSchema(
        tenant_id=principal.tenant_id, account_id=account_id, name=data.name, schema=data.schema_
    )
    session.add(record)
    await session.flush()
    return record


async def update_order_schema(
    session: AsyncSession,
    schema_id: int,
    data: OrderSchemaUpdate,
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> OrderSchema:
    """Orders already placed keep the data they were validated with; new ones meet the new rules."""
    record = await get_visible(session, OrderSchema, schema_id, principal, kind="order schema")
    principal.require(Role.ADMIN, Role.SUPPLIER)
    if not principal.is_admin and record.account_id != principal.account_id:
        raise Forbidden("only the supplier that owns this order schema (or an admin) may change it")
    check_version("order schema", record, expected_version)
    await asyncio.to_thread(check_schema, data.schema_)  # ~0.3 ms a node: off the event loop
    record.schema = data.schema_
    await session.flush()
    return record


async def check_order_data(
    session: AsyncSession,
    name: str,
    data: dict[str, Any],
    *,
    tenant_id: int,
    supplier_account_id: int,
) -> None:
    """The order's data must satisfy the named schema (tenant-wide or the supplier's).

    Schema checks run in a worker thread, so the event loop answers other requests (probes
    among them) in between; their own bounds (``limits``) keep them short.
    """
    record = (
        await session.scalars(
            select(OrderSchema).where(OrderSchema.tenant_id == tenant_id, OrderSchema.name == name)
        )
    ).one_or_none()
    if record is None or record.account_id not in (None, supplier_account_id):
        raise ValidationFailed(
            f"no order schema {name!r}",
            errors=[
                FieldError(
                    "must name an order schema of the tenant or of the supplier",
                    pointer="/schema_name",
                )
            ],
        )
    try:
        found = await asyncio.to_thread(violations, record.schema, data, at="/data")
    except CannotCheck as error:
        raise ValidationFailed(
            f"the order's data cannot be checked against schema {name!r}",
            errors=[FieldError(str(error), pointer="/data")],
        ) from error
    if found:
        raise ValidationFailed(f"the order's data does not satisfy schema {name!r}", errors=found)


async def list_order_schemas(session: AsyncSession, *, principal: Principal) -> list[OrderSchema]:
    """Every order schema the principal's tenant has, by name."""
    rows = await session.scalars(select_visible(OrderSchema, principal).order_by(OrderSchema.name))
    return list(rows)
