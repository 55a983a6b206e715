"""Reading orders: filters for lists, the timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.orders.loading import ORDER_LOAD, load_collections
from orderdesk.orders.models import Order, OrderEvent, OrderExternalId, OrderTag
from orderdesk.orders.sets import OrderSet
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


def filtered_orders(
    principal: Principal, f: OrderFilter, within: OrderSet = OrderSet.EVERY
) -> Select[Order]:
    """The orders of ``within`` that the principal may see and ``f`` matches."""
    stmt = where_given(
        select_visible(Order, principal).where(*within.conditions()),
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
    page = await paginate(
        session,
        filtered_orders(principal, f).options(*ORDER_LOAD),
        id_column=Order.id,
        sort_columns=ORDER_SORTS,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
    await load_collections(session, page.items)
    return page


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


def _by_position(stmt: Select[Order], *, descending: bool) -> Select[Order]:
    """By creation time (then id), the order positions count in."""
    if descending:
        return stmt.order_by(Order.created_at.desc(), Order.id.desc())
    return stmt.order_by(Order.created_at.asc(), Order.id.asc())


async def count_orders(
    session: AsyncSession, principal: Principal, f: OrderFilter, within: OrderSet = OrderSet.EVERY
) -> int:
    """How many orders of ``within`` match ``f`` among those the principal may see."""
    stmt = filtered_orders(principal, f, within)
    return await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


async def list_orders_numbered(
    session: AsyncSession,
    principal: Principal,
    f: OrderFilter,
    *,
    offset: int,
    limit: int | None,
    descending: bool,
    within: OrderSet = OrderSet.EVERY,
) -> NumberedPage:
    total = await count_orders(session, principal, f, within)
    stmt = _by_position(
        filtered_orders(principal, f, within).options(*ORDER_LOAD), descending=descending
    )
    stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    items = list((await session.scalars(stmt)).unique())
    await load_collections(session, items)
    return NumberedPage(items=items, total=total)


async def orders_in_pages(
    session: AsyncSession,
    principal: Principal,
    f: OrderFilter,
    *,
    offset: int,
    limit: int | None,
    descending: bool,
    page_size: int,
    within: OrderSet = OrderSet.EVERY,
) -> AsyncIterator[list[Order]]:
    """The orders ``list_orders_numbered`` answers (``limit`` None: all from ``offset``),
    read ``page_size`` at a time, so a caller holds one page at once.

    Only the first page skips ``offset`` rows; each next one continues after the last
    row read (by creation time and id), so no page costs more than the first.
    """
    if page_size < 1:
        raise ValueError("page_size must be positive")
    base = filtered_orders(principal, f, within).options(*ORDER_LOAD)
    remaining = limit
    last: tuple[dt.datetime, int] | None = None  # (created_at, id) of the last row read
    while remaining is None or remaining > 0:
        size = page_size if remaining is None else min(page_size, remaining)
        stmt = base
        if last is None:
            stmt = stmt.offset(offset)
        elif descending:
            created, ident = last
            stmt = stmt.where(
                or_(Order.created_at < created, and_(Order.created_at == created, Order.id < ident))
            )
        else:
            created, ident = last
            stmt = stmt.where(
                or_(Order.created_at > created, and_(Order.created_at == created, Order.id > ident))
            )
        page = list(
            (await session.scalars(_by_position(stmt, descending=descending).limit(size))).unique()
        )
        if not page:
            return
        await load_collections(session, page)
        last = (page[-1].created_at, page[-1].id)
        yield page
        if len(page) < size:
            return
        if remaining is not None:
            remaining -= len(page)


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
