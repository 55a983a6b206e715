"""Manufacturers, items, kits and products."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response, status

from orderdesk.api import NATIVE
from orderdesk.api.callers import CanReadCatalog, CanWriteCatalog
from orderdesk.api.listing import ListPage, Paging, page_response, sorted_by
from orderdesk.catalog import queries, service
from orderdesk.catalog.schemas import (
    ItemCreate,
    ItemRead,
    ItemUpdate,
    KitCreate,
    KitRead,
    KitUpdate,
    ManufacturerCreate,
    ManufacturerRead,
    ManufacturerUpdate,
    ProductCreate,
    ProductRead,
    ProductUpdate,
)
from orderdesk.http.conditional import IfMatch, with_etag
from orderdesk.http.openapi import sends
from orderdesk.http.routing import surface_router
from orderdesk.http.unit_of_work import SessionDep
from orderdesk.schemas import ID_MAX

router = surface_router(NATIVE, prefix="/v1")

AccountFilter = Annotated[
    int | None, Query(ge=1, le=ID_MAX, description="Only this supplier's entries")
]


@router.post("/manufacturers", status_code=status.HTTP_201_CREATED, tags=["catalog"])
async def create_manufacturer(
    body: ManufacturerCreate, session: SessionDep, principal: CanWriteCatalog
) -> ManufacturerRead:
    return ManufacturerRead.model_validate(
        await service.create_manufacturer(session, body, principal=principal)
    )


@router.get("/manufacturers", tags=["catalog"])
async def list_manufacturers(
    request: Request,
    session: SessionDep,
    principal: CanReadCatalog,
    paging: Annotated[Paging, Depends(sorted_by("id", "name"))],
    account_id: AccountFilter = None,
) -> ListPage[ManufacturerRead]:
    page = await queries.list_manufacturers(
        session,
        principal=principal,
        account_id=account_id,
        sort=paging.sort,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return page_response(request, page, ManufacturerRead.model_validate)


@router.get("/manufacturers/{manufacturer_id}", tags=["catalog"], responses=sends(200, "ETag"))
async def get_manufacturer(
    manufacturer_id: int, session: SessionDep, principal: CanReadCatalog, response: Response
) -> ManufacturerRead:
    manufacturer = await service.load_manufacturer(session, manufacturer_id, principal=principal)
    return ManufacturerRead.model_validate(with_etag(response, manufacturer))


@router.patch("/manufacturers/{manufacturer_id}", tags=["catalog"], responses=sends(200, "ETag"))
async def update_manufacturer(
    manufacturer_id: int,
    body: ManufacturerUpdate,
    session: SessionDep,
    principal: CanWriteCatalog,
    response: Response,
    expected: IfMatch,
) -> ManufacturerRead:
    manufacturer = await service.update_manufacturer(
        session, manufacturer_id, body, principal=principal, expected_version=expected
    )
    return ManufacturerRead.model_validate(with_etag(response, manufacturer))


@router.post("/items", status_code=status.HTTP_201_CREATED, tags=["catalog"])
async def create_item(
    body: ItemCreate, session: SessionDep, principal: CanWriteCatalog
) -> ItemRead:
    return ItemRead.model_validate(await service.create_item(session, body, principal=principal))


@router.get("/items", tags=["catalog"])
async def list_items(
    request: Request,
    session: SessionDep,
    principal: CanReadCatalog,
    paging: Annotated[Paging, Depends(sorted_by("id", "name", "sku"))],
    account_id: AccountFilter = None,
    orderable: Annotated[bool | None, Query()] = None,
    sku: Annotated[str | None, Query(max_length=100)] = None,
) -> ListPage[ItemRead]:
    page = await queries.list_items(
        session,
        principal=principal,
        account_id=account_id,
        orderable=orderable,
        sku=sku,
        sort=paging.sort,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return page_response(request, page, ItemRead.model_validate)


@router.get("/items/{item_id}", tags=["catalog"], responses=sends(200, "ETag"))
async def get_item(
    item_id: int, session: SessionDep, principal: CanReadCatalog, response: Response
) -> ItemRead:
    item = await service.load_item(session, item_id, principal=principal)
    return ItemRead.model_validate(with_etag(response, item))


@router.patch("/items/{item_id}", tags=["catalog"], responses=sends(200, "ETag"))
async def update_item(
    item_id: int,
    body: ItemUpdate,
    session: SessionDep,
    principal: CanWriteCatalog,
    response: Response,
    expected: IfMatch,
) -> ItemRead:
    item = await service.update_item(
        session, item_id, body, principal=principal, expected_version=expected
    )
    return ItemRead.model_validate(with_etag(response, item))


@router.post("/kits", status_code=status.HTTP_201_CREATED, tags=["catalog"])
async def create_kit(body: KitCreate, session: SessionDep, principal: CanWriteCatalog) -> KitRead:
    return KitRead.model_validate(await service.create_kit(session, body, principal=principal))


@router.get("/kits", tags=["catalog"])
async def list_kits(
    request: Request,
    session: SessionDep,
    principal: CanReadCatalog,
    paging: Annotated[Paging, Depends(sorted_by("id", "name"))],
    account_id: AccountFilter = None,
    archived: Annotated[bool | None, Query()] = None,
) -> ListPage[KitRead]:
    page = await queries.list_kits(
        session,
        principal=principal,
        account_id=account_id,
        archived=archived,
        sort=paging.sort,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return page_response(request, page, KitRead.model_validate)


@router.get("/kits/{kit_id}", tags=["catalog"], responses=sends(200, "ETag"))
async def get_kit(
    kit_id: int, session: SessionDep, principal: CanReadCatalog, response: Response
) -> KitRead:
    kit = await service.load_kit(session, kit_id, principal=principal)
    return KitRead.model_validate(with_etag(response, kit))


@router.patch("/kits/{kit_id}", tags=["catalog"], responses=sends(200, "ETag"))
async def update_kit(
    kit_id: int,
    body: KitUpdate,
    session: SessionDep,
    principal: CanWriteCatalog,
    response: Response,
    expected: IfMatch,
) -> KitRead:
    kit = await service.update_kit(
        session, kit_id, body, principal=principal, expected_version=expected
    )
    return KitRead.model_validate(with_etag(response, kit))


@router.post("/products", status_code=status.HTTP_201_CREATED, tags=["catalog"])
async def create_product(
    body: ProductCreate, session: SessionDep, principal: CanWriteCatalog
) -> ProductRead:
    return ProductRead.model_validate(
        await service.create_product(session, body, principal=principal)
    )


@router.get("/products", tags=["catalog"])
async def list_products(
    request: Request,
    session: SessionDep,
    principal: CanReadCatalog,
    paging: Annotated[Paging, Depends(sorted_by("id", "name"))],
    account_id: AccountFilter = None,
    orderable: Annotated[bool | None, Query()] = None,
) -> ListPage[ProductRead]:
    page = await queries.list_products(
        session,
        principal=principal,
        account_id=account_id,
        orderable=orderable,
        sort=paging.sort,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return page_response(request, page, ProductRead.model_validate)


@router.get("/products/{product_id}", tags=["catalog"], responses=sends(200, "ETag"))
async def get_product(
    product_id: int, session: SessionDep, principal: CanReadCatalog, response: Response
) -> ProductRead:
    product = await service.load_product(session, product_id, principal=principal)
    return ProductRead.model_validate(with_etag(response, product))


@router.patch("/products/{product_id}", tags=["catalog"], responses=sends(200, "ETag"))
async def update_product(
    product_id: int,
    body: ProductUpdate,
    session: SessionDep,
    principal: CanWriteCatalog,
    response: Response,
    expected: IfMatch,
) -> ProductRead:
    product = await service.update_product(
        session, product_id, body, principal=principal, expected_version=expected
    )
    return ProductRead.model_validate(with_etag(response, product))
