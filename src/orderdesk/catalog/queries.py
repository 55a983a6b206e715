"""Reading the catalog: the lists of manufacturers, items, kits and products."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.catalog.models import Item, Kit, Manufacturer, Product
from orderdesk.catalog.service import ITEM_LOAD, KIT_LOAD
from orderdesk.pagination import Page, paginate, where_given
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import select_visible

MANUFACTURER_SORTS = {"id": Manufacturer.id, "name": Manufacturer.name}
ITEM_SORTS = {"id": Item.id, "name": Item.name, "sku": Item.sku}
KIT_SORTS = {"id": Kit.id, "name": Kit.name}
PRODUCT_SORTS = {"id": Product.id, "name": Product.name}


async def list_manufacturers(
    session: AsyncSession,
    *,
    principal: Principal,
    account_id: int | None = None,
    sort: str,
    cursor: str | None,
    limit: int,
) -> Page[Manufacturer]:
    stmt = where_given(
        select_visible(Manufacturer, principal), (Manufacturer.account_id, account_id)
    )
    return await paginate(
        session,
        stmt,
        id_column=Manufacturer.id,
        sort_columns=MANUFACTURER_SORTS,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


async def list_items(
    session: AsyncSession,
    *,
    principal: Principal,
    account_id: int | None = None,
    orderable: bool | None = None,
    sku: str | None = None,
    sort: str,
    cursor: str | None,
    limit: int,
) -> Page[Item]:
    stmt = where_given(
        select_visible(Item, principal).options(*ITEM_LOAD),
        (Item.account_id, account_id),
        (Item.orderable, orderable),
        (Item.sku, sku),
    )
    return await paginate(
        session,
        stmt,
        id_column=Item.id,
        sort_columns=ITEM_SORTS,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


async def list_kits(
    session: AsyncSession,
    *,
    principal: Principal,
    account_id: int | None = None,
    archived: bool | None = None,
    sort: str,
    cursor: str | None,
    limit: int,
) -> Page[Kit]:
    stmt = where_given(
        select_visible(Kit, principal).options(*KIT_LOAD),
        (Kit.account_id, account_id),
        (Kit.archived, archived),
    )
    return await paginate(
        session,
        stmt,
        id_column=Kit.id,
        sort_columns=KIT_SORTS,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


async def list_products(
    session: AsyncSession,
    *,
    principal: Principal,
    account_id: int | None = None,
    orderable: bool | None = None,
    sort: str,
    cursor: str | None,
    limit: int,
) -> Page[Product]:
    stmt = where_given(
        select_visible(Product, principal),
        (Product.account_id, account_id),
        (Product.orderable, orderable),
    )
    return await paginate(
        session,
        stmt,
        id_column=Product.id,
        sort_columns=PRODUCT_SORTS,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
