"""Use cases for the catalog. A supplier writes its own catalog; an admin any of the tenant."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import ORMOption

from orderdesk.catalog.models import Item, Kit, KitItem, Manufacturer, Product
from orderdesk.catalog.schemas import (
    ItemCreate,
    ItemUpdate,
    KitCreate,
    KitItemIn,
    KitUpdate,
    ManufacturerCreate,
    ManufacturerUpdate,
    ProductCreate,
    ProductUpdate,
)
from orderdesk.errors import FieldError, Forbidden, ValidationFailed, check_version, not_found
from orderdesk.schemas import apply_changes
from orderdesk.tenancy.accounts import account_of_kind
from orderdesk.tenancy.models import AccountKind, Role
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import find_in_tenant, get_visible
from orderdesk.workflow.service import check_usable

#: What reading an item or a kit always needs, loaded up front (relationships raise).
ITEM_LOAD: Sequence[ORMOption] = (selectinload(Item.manufacturer),)
KIT_LOAD: Sequence[ORMOption] = (
    selectinload(Kit.kit_items).selectinload(KitItem.item).selectinload(Item.manufacturer),
)


async def load_manufacturer(
    session: AsyncSession, manufacturer_id: int, *, principal: Principal
) -> Manufacturer:
    return await get_visible(session, Manufacturer, manufacturer_id, principal, kind="manufacturer")


async def load_item(session: AsyncSession, item_id: int, *, principal: Principal) -> Item:
    return await get_visible(session, Item, item_id, principal, kind="item", options=ITEM_LOAD)


async def load_kit(session: AsyncSession, kit_id: int, *, principal: Principal) -> Kit:
    return await get_visible(session, Kit, kit_id, principal, kind="kit", options=KIT_LOAD)


async def load_product(
    session: AsyncSession,
    product_id: int,
    *,
    principal: Principal,
    supplier_account_id: int | None = None,
) -> Product:
    """The product, if the principal may see it and (when given) it is in
    ``supplier_account_id``'s catalog; else the same 404 as for a missing one."""
    where = () if supplier_account_id is None else (Product.account_id == supplier_account_id,)
    return await get_visible(session, Product, product_id, principal, kind="product", where=where)


async def _supplier_account(
    session: AsyncSession, requested: int | None, principal: Principal
) -> int:
    principal.require(Role.ADMIN, Role.SUPPLIER)
    account_id = principal.owning_account(requested)
    await account_of_kind(
        session, account_id, AccountKind.SUPPLIER, principal=principal, pointer="/account_id"
    )
    return account_id


def _may_edit(principal: Principal, owner_account_id: int) -> None:
    principal.require(Role.ADMIN, Role.SUPPLIER)
    if not principal.is_admin and owner_account_id != principal.account_id:
        raise Forbidden("only the supplier that owns this catalog entry may change it")


async def _check_manufacturer(
    session: AsyncSession, manufacturer_id: int | None, account_id: int, principal: Principal
) -> None:
    """An item of supplier ``account_id`` names that supplier's manufacturer or a tenant-wide
    one; another supplier's is answered like a missing one."""
    if manufacturer_id is None:
        return
    found = await find_in_tenant(
        session,
        Manufacturer,
        manufacturer_id,
        tenant_id=principal.tenant_id,
        where=[Manufacturer.usable_by_supplier(account_id)],
    )
    if found is None:
        raise ValidationFailed(
            f"no manufacturer {manufacturer_id} the item's supplier may use",
            errors=[
                FieldError(
                    "must be the id of a manufacturer of the item's supplier or a tenant-wide one",
                    pointer="/manufacturer_id",
                )
            ],
        )


async def _manufacturer_owner(
    session: AsyncSession, requested: int | None, principal: Principal
) -> int | None:
    """A supplier's manufacturer is its own; an admin's is tenant-wide unless it names one."""
    if principal.is_admin and requested is None:
        return None
    return await _supplier_account(session, requested, principal)


async def create_manufacturer(
    session: AsyncSession, data: ManufacturerCreate, *, principal: Principal
) -> Manufacturer:
    principal.require(Role.ADMIN, Role.SUPPLIER)
    account_id = await _manufacturer_owner(session, data.account_id, principal)
    manufacturer = Manufacturer(
        tenant_id=principal.tenant_id, account_id=account_id, name=data.name
    )
    session.add(manufacturer)
    await session.flush()
    return manufacturer


async def update_manufacturer(
    session: AsyncSession,
    manufacturer_id: int,
    data: ManufacturerUpdate,
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> Manufacturer:
    """A supplier changes only its own; another supplier's or a tenant-wide one (which it
    still reads) is answered exactly like a missing one. An admin changes any."""
    principal.require(Role.ADMIN, Role.SUPPLIER)
    manufacturer = await find_in_tenant(
        session,
        Manufacturer,
        manufacturer_id,
        tenant_id=principal.tenant_id,
        where=[Manufacturer.visible_to(principal), Manufacturer.editable_by(principal)],
    )
    if manufacturer is None:
        raise not_found("manufacturer", manufacturer_id)
    check_version("manufacturer", manufacturer, expected_version)
    apply_changes(manufacturer, data)
    await session.flush()
    return manufacturer


async def create_item(session: AsyncSession, data: ItemCreate, *, principal: Principal) -> Item:
    account_id = await _supplier_account(session, data.account_id, principal)
    await _check_manufacturer(session, data.manufacturer_id, account_id, principal)
    item = Item(
        tenant_id=principal.tenant_id,
        account_id=account_id,
        **data.model_dump(exclude={"account_id"}),
    )
    session.add(item)
    await session.flush()
    return await get_visible(
        session, Item, item.id, principal, kind="item", options=ITEM_LOAD, fresh=True
    )


async def update_item(
    session: AsyncSession,
    item_id: int,
    data: ItemUpdate,
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> Item:
    item = await load_item(session, item_id, principal=principal)
    _may_edit(principal, item.account_id)
    check_version("item", item, expected_version)
    await _check_manufacturer(session, data.manufacturer_id, item.account_id, principal)
    apply_changes(item, data)
    await session.flush()
    await session.refresh(item, ["manufacturer"])
    return item


async def _kit_items(
    session: AsyncSession, rows: list[KitItemIn], account_id: int, principal: Principal
) -> list[KitItem]:
    wanted = {row.item_id for row in rows}
    found = set(
        await session.scalars(
            select(Item.id).where(
                Item.tenant_id == principal.tenant_id,
                Item.account_id == account_id,
                Item.id.in_(wanted),
            )
        )
    )
    errors = [
        FieldError(
            "must be the id of an item of the kit's supplier", pointer=f"/kit_items/{i}/item_id"
        )
        for i, row in enumerate(rows)
        if row.item_id not in found
    ]
    if errors:
        raise ValidationFailed("unknown items in kit", errors=errors)
    return [KitItem(tenant_id=principal.tenant_id, **row.model_dump()) for row in rows]


async def create_kit(session: AsyncSession, data: KitCreate, *, principal: Principal) -> Kit:
    account_id = await _supplier_account(session, data.account_id, principal)
    kit = Kit(
        tenant_id=principal.tenant_id,
        account_id=account_id,
        name=data.name,
        archived=data.archived,
        kit_items=await _kit_items(session, data.kit_items, account_id, principal),
    )
    session.add(kit)
    await session.flush()
    return await get_visible(
        session, Kit, kit.id, principal, kind="kit", options=KIT_LOAD, fresh=True
    )


async def update_kit(
    session: AsyncSession,
    kit_id: int,
    data: KitUpdate,
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> Kit:
    kit = await load_kit(session, kit_id, principal=principal)
    _may_edit(principal, kit.account_id)
    check_version("kit", kit, expected_version)

    if data.kit_items is not None:
        kit.kit_items = await _kit_items(session, data.kit_items, kit.account_id, principal)
    apply_changes(kit, data, exclude=frozenset({"kit_items"}))
    await session.flush()
    return await get_visible(
        session, Kit, kit.id, principal, kind="kit", options=KIT_LOAD, fresh=True
    )


async def create_product(
    session: AsyncSession, data: ProductCreate, *, principal: Principal
) -> Product:
    account_id = await _supplier_account(session, data.account_id, principal)
    if data.workflow_id is not None:
        await check_usable(
            session, data.workflow_id, owner_account_id=account_id, principal=principal
        )
    product = Product(
        tenant_id=principal.tenant_id,
        account_id=account_id,
        **data.model_dump(exclude={"account_id"}),
    )
    session.add(product)
    await session.flush()
    return product


async def update_product(
    session: AsyncSession,
    product_id: int,
    data: ProductUpdate,
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> Product:
    product = await load_product(session, product_id, principal=principal)
    _may_edit(principal, product.account_id)
    check_version("product", product, expected_version)
    if data.workflow_id is not None:
        await check_usable(
            session, data.workflow_id, owner_account_id=product.account_id, principal=principal
        )
    apply_changes(product, data)
    await session.flush()
    return product
