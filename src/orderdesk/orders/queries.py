"""Reading orders: filters for lists, the timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.orders.models import Order, OrderEvent, OrderExternalId, OrderTag
from orderdesk.orders.service import ORDER_LOAD
from orderdesk.pagination import Page, paginate, where_given
from orderdesk.projects.models import Project
from orderdesk.schemas import Id, Instant
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import get_visible, select_visible

ORDER_SORTS = {"id": Order.id, "created_at": Order.created_at, "updated_at": Order.updated_at}


class OrderFilter(BaseModel):
    status: str | None = Field(default=None, max_length=100, description="Status id")
    status_type: str | None = Field(default=None, pattern="^(NEW|INPROGRESS|CLOSED)$")
    # Bounded like every id, so the database can bind them.
    patient_id: Id | None = None
    site_id: Id | None = None
    customer_account_id: Id | None = None
    supplier_account_id: Id | None = None
    project_id: Id | None = None
    external_order_id: str | None = Field(default=None, max_length=100)
    tag: str | None = Field(default=None, max_length=100)
    created_after: Instant | None = Field(
        default=None, description="Inclusive; a time without a zone is UTC; years 1 to 9999"
    )
    created_before: Instant | None = Field(
        default=None, description="Exclusive; a time without a zone is UTC; years 1 to 9999"
    )


def filtered_orders(principal: Principal, f: OrderFilter) -> Select[Order]:
    stmt = where_given(
        select_visible(Order, principal),
        (Order.status_id, f.status),
        (Order.status_type, f.status_type),
        (Order.patient_id, f.patient_id),
        (Order.site_id, f.site_id),
        (Order.customer_account_id, f.customer_account_id),
        (Order.supplier_account_id, f.supplier_account_id),
        (Order.project_id, f.project_id),
    )
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


@dataclass(frozen=True)
class NumberedPage:
    """A page by position, for the surfaces whose clients count pages (and want a total)."""

    items: list[Order]
    total: int


async def list_orders_numbered(
    session: AsyncSession,
    principal: Principal,
    f: OrderFilter,
    *,
    offset: int,
    limit: int | None,
    descending: bool,
) -> NumberedPage:
    stmt = filtered_orders(principal, f)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    order_by = (
        (Order.created_at.desc(), Order.id.desc())
        if descending
        else (Order.created_at.asc(), Order.id.asc())
    )
    stmt = stmt.options(*ORDER_LOAD).order_by(*order_by).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return NumberedPage(items=list((await session.scalars(stmt)).unique()), total=total or 0)


async def project_timeline(
    session: AsyncSession,
    project_id: int,
    principal: Principal,
    *,
    cursor: str | None,
    limit: int,
) -> Page[OrderEvent]:
    """Every event of the project's orders that the principal may see, oldest first."""
    project = await get_visible(session, Project, project_id, principal, kind="project")
    visible = filtered_orders(principal, OrderFilter(project_id=project.id)).with_only_columns(
        Order.id
    )
    stmt = select(OrderEvent).where(
        OrderEvent.tenant_id == project.tenant_id, OrderEvent.order_id.in_(visible)
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


async def timelines(session: AsyncSession, orders: Sequence[Order]) -> dict[int, list[OrderEvent]]:
    """The whole timeline of each of these (already visible) orders, oldest first, in one query."""
    found: dict[int, list[OrderEvent]] = {order.id: [] for order in orders}
    if not orders:
        return found
    rows = await session.scalars(
        select(OrderEvent)
        .where(OrderEvent.tenant_id == orders[0].tenant_id, OrderEvent.order_id.in_(found))
        .order_by(OrderEvent.id)
    )
    for event in rows:
        found[event.order_id].append(event)
    return found
