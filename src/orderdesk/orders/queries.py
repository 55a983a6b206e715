"""Reading orders: filters for lists, the timeline."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.orders.models import Order, OrderEvent, OrderExternalId, OrderTag
from orderdesk.orders.service import ORDER_LOAD
from orderdesk.pagination import Page, paginate
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import get_visible, select_visible

ORDER_SORTS = {"id": Order.id, "created_at": Order.created_at, "updated_at": Order.updated_at}


class OrderFilter(BaseModel):
    status: str | None = Field(default=None, max_length=100, description="Status id")
    status_type: str | None = Field(default=None, pattern="^(NEW|INPROGRESS|CLOSED)$")
    patient_id: int | None = None
    site_id: int | None = None
    customer_account_id: int | None = None
    supplier_account_id: int | None = None
    external_order_id: str | None = Field(default=None, max_length=100)
    tag: str | None = Field(default=None, max_length=100)
    created_after: dt.datetime | None = Field(default=None, description="Inclusive")
    created_before: dt.datetime | None = Field(default=None, description="Exclusive")


def filtered_orders(principal: Principal, f: OrderFilter) -> Select[tuple[Order]]:
    stmt = select_visible(Order, principal)
    for column, value in (
        (Order.status_id, f.status),
        (Order.status_type, f.status_type),
        (Order.patient_id, f.patient_id),
        (Order.site_id, f.site_id),
        (Order.customer_account_id, f.customer_account_id),
        (Order.supplier_account_id, f.supplier_account_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if f.external_order_id is not None:
        stmt = stmt.where(
            Order.id.in_(
                select(OrderExternalId.order_id).where(
                    OrderExternalId.tenant_id == principal.tenant_id,
                    OrderExternalId.value == f.external_order_id,
                )
            )
        )
    if f.tag is not None:
        stmt = stmt.where(
            Order.id.in_(
                select(OrderTag.order_id).where(
                    OrderTag.tenant_id == principal.tenant_id, OrderTag.value == f.tag
                )
            )
        )
    if f.created_after is not None:
        stmt = stmt.where(Order.created_at >= f.created_after)
    if f.created_before is not None:
        stmt = stmt.where(Order.created_at < f.created_before)
    return stmt


async def list_orders(
    session: AsyncSession,
    principal: Principal,
    f: OrderFilter,
    *,
    sort: str,
    cursor: str | None,
    limit: int,
) -> Page[Order]:
    return await paginate(
        session,
        filtered_orders(principal, f).options(*ORDER_LOAD),
        id_column=Order.id,
        sort_columns=ORDER_SORTS,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


async def timeline(
    session: AsyncSession, order_id: int, principal: Principal, *, cursor: str | None, limit: int
) -> Page[OrderEvent]:
    order = await get_visible(session, Order, order_id, principal, kind="order")
    stmt = select(OrderEvent).where(
        OrderEvent.tenant_id == order.tenant_id, OrderEvent.order_id == order.id
    )
    return await paginate(
        session,
        stmt,
        id_column=OrderEvent.id,
        sort_columns={"id": OrderEvent.id},
        sort="id",
        cursor=cursor,
        limit=limit,
    )
