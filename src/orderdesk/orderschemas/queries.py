"""Reading order schemas: one by id, and a page of them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.orderschemas.models import OrderSchema
from orderdesk.pagination import Page, paginate, where_given
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import get_visible, select_visible

ORDER_SCHEMA_SORTS = {"id": OrderSchema.id, "name": OrderSchema.name}


async def load_order_schema(
    session: AsyncSession, schema_id: int, *, principal: Principal
) -> OrderSchema:
    return await get_visible(session, OrderSchema, schema_id, principal, kind="order schema")


async def page_of_order_schemas(
    session: AsyncSession,
    *,
    principal: Principal,
    name: str | None = None,
    sort: str,
    cursor: str | None,
    limit: int,
) -> Page[OrderSchema]:
    """The order schemas the principal may see, a page at a time (all of them, by name:
    ``service.list_order_schemas``)."""
    return await paginate(
        session,
        where_given(select_visible(OrderSchema, principal), (OrderSchema.name, name)),
        id_column=OrderSchema.id,
        sort_columns=ORDER_SCHEMA_SORTS,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
