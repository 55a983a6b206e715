"""Projects (folders of orders for one case) and order schemas."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response, status

from orderdesk.api import NATIVE
from orderdesk.api.callers import CanReadCatalog, CanReadOrders, CanWriteCatalog, CanWriteOrders
from orderdesk.api.listing import IdFilter, ListPage, Paging, PagingDep, page_response, sorted_by
from orderdesk.http.conditional import IfMatch, with_etag
from orderdesk.http.openapi import sends
from orderdesk.http.routing import surface_router
from orderdesk.http.unit_of_work import SessionDep
from orderdesk.orders import queries
from orderdesk.orders.read_model import read_event, read_orders
from orderdesk.orders.schemas import OrderEventRead, OrderRead
from orderdesk.orderschemas import queries as schema_queries
from orderdesk.orderschemas import service as schema_service
from orderdesk.orderschemas.schemas import OrderSchemaCreate, OrderSchemaRead, OrderSchemaUpdate
from orderdesk.projects import queries as project_queries
from orderdesk.projects import service as project_service
from orderdesk.projects.schemas import ProjectCreate, ProjectRead

router = surface_router(NATIVE, prefix="/v1")


@router.post("/projects", status_code=status.HTTP_201_CREATED, tags=["projects"])
async def create_project(
    body: ProjectCreate, session: SessionDep, principal: CanWriteOrders
) -> ProjectRead:
    return ProjectRead.model_validate(
        await project_service.create_project(session, body, principal=principal)
    )


@router.get("/projects", tags=["projects"])
async def list_projects(
    request: Request,
    session: SessionDep,
    principal: CanReadOrders,
    paging: Annotated[Paging, Depends(sorted_by("id"))],
    patient_id: IdFilter = None,
) -> ListPage[ProjectRead]:
    page = await project_queries.list_projects(
        session,
        principal=principal,
        patient_id=patient_id,
        sort=paging.sort,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return page_response(request, page, ProjectRead.model_validate)


@router.get("/projects/{project_id}", tags=["projects"])
async def get_project(
    project_id: int, session: SessionDep, principal: CanReadOrders
) -> ProjectRead:
    return ProjectRead.model_validate(
        await project_service.load_project(session, project_id, principal=principal)
    )


@router.get("/projects/{project_id}/orders", tags=["projects"])
async def project_orders(
    project_id: int,
    request: Request,
    session: SessionDep,
    principal: CanReadOrders,
    paging: Annotated[Paging, Depends(sorted_by(*queries.ORDER_SORTS))],
) -> ListPage[OrderRead]:
    project = await project_service.load_project(session, project_id, principal=principal)
    page = await queries.list_orders(
        session,
        principal,
        queries.OrderFilter(project_id=project.id),
        sort=paging.sort,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    rendered = await read_orders(session, page.items, principal)
    return page_response(request, page.with_items(rendered), lambda o: o)


@router.get("/projects/{project_id}/timeline", tags=["projects"])
async def project_timeline(
    project_id: int,
    request: Request,
    session: SessionDep,
    principal: CanReadOrders,
    paging: PagingDep,
) -> ListPage[OrderEventRead]:
    """Every event of every order in the project that the caller may see."""
    page = await queries.project_timeline(
        session, project_id, principal, cursor=paging.cursor, limit=paging.limit
    )
    return page_response(request, page, lambda e: read_event(session, e, principal))


@router.post("/order-schemas", status_code=status.HTTP_201_CREATED, tags=["order schemas"])
async def create_order_schema(
    body: OrderSchemaCreate, session: SessionDep, principal: CanWriteCatalog
) -> OrderSchemaRead:
    return OrderSchemaRead.model_validate(
        await schema_service.create_order_schema(session, body, principal=principal)
    )


@router.get("/order-schemas", tags=["order schemas"])
async def list_order_schemas(
    request: Request,
    session: SessionDep,
    principal: CanReadCatalog,
    paging: Annotated[Paging, Depends(sorted_by("id", "name"))],
    name: Annotated[str | None, Query(max_length=100)] = None,
) -> ListPage[OrderSchemaRead]:
    page = await schema_queries.page_of_order_schemas(
        session,
        principal=principal,
        name=name,
        sort=paging.sort,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return page_response(request, page, OrderSchemaRead.model_validate)


@router.get("/order-schemas/{schema_id}", tags=["order schemas"], responses=sends(200, "ETag"))
async def get_order_schema(
    schema_id: int, session: SessionDep, principal: CanReadCatalog, response: Response
) -> OrderSchemaRead:
    record = await schema_queries.load_order_schema(session, schema_id, principal=principal)
    return OrderSchemaRead.model_validate(with_etag(response, record))


@router.put("/order-schemas/{schema_id}", tags=["order schemas"], responses=sends(200, "ETag"))
async def update_order_schema(
    schema_id: int,
    body: OrderSchemaUpdate,
    session: SessionDep,
    principal: CanWriteCatalog,
    response: Response,
    expected: IfMatch,
) -> OrderSchemaRead:
    record = await schema_service.update_order_schema(
        session, schema_id, body, principal=principal, expected_version=expected
    )
    return OrderSchemaRead.model_validate(with_etag(response, record))
