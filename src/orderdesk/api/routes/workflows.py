"""Workflows: list, read, create, save a new version, read versions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.api import NATIVE
from orderdesk.api.callers import CanReadCatalog, CanWriteWorkflows
from orderdesk.api.listing import ListPage, Paging, page_response, sorted_by
from orderdesk.http.conditional import IfMatch, with_etag
from orderdesk.http.openapi import sends
from orderdesk.http.routing import surface_router
from orderdesk.http.unit_of_work import SessionDep
from orderdesk.schemas import ID_MAX
from orderdesk.workflow import queries, service
from orderdesk.workflow.models import WorkflowRecord
from orderdesk.workflow.schemas import (
    WorkflowCreate,
    WorkflowRead,
    WorkflowUpdate,
    WorkflowVersionRead,
)

router = surface_router(NATIVE, prefix="/v1", tags=["workflows"])

VERSION_MAX = 2**31 - 1  # the column is a 32-bit integer: a larger number names nothing


async def _read(session: AsyncSession, record: WorkflowRecord) -> WorkflowRead:
    version = await service.version_of(session, record)
    return WorkflowRead(
        id=record.id,
        key=record.key,
        name=record.name,
        account_id=record.account_id,
        is_default=record.is_default,
        current_version=record.current_version,
        definition=version.definition,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


@router.post("/workflows", status_code=status.HTTP_201_CREATED)
async def create_workflow(
    body: WorkflowCreate, session: SessionDep, principal: CanWriteWorkflows
) -> WorkflowRead:
    return await _read(session, await service.create_workflow(session, body, principal=principal))


@router.get("/workflows")
async def list_workflows(
    request: Request,
    session: SessionDep,
    principal: CanReadCatalog,
    paging: Annotated[Paging, Depends(sorted_by("id", "key"))],
    account_id: Annotated[
        int | None, Query(ge=1, le=ID_MAX, description="Only this supplier's")
    ] = None,
    key: Annotated[str | None, Query(max_length=100)] = None,
) -> ListPage[WorkflowRead]:
    page = await queries.list_workflows(
        session,
        principal=principal,
        account_id=account_id,
        key=key,
        sort=paging.sort,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    rendered = [await _read(session, record) for record in page.items]
    return page_response(request, page.with_items(rendered), lambda w: w)


@router.get("/workflows/{workflow_id}", responses=sends(200, "ETag"))
async def get_workflow(
    workflow_id: int, session: SessionDep, principal: CanReadCatalog, response: Response
) -> WorkflowRead:
    record = await service.load_workflow(session, workflow_id, principal=principal)
    return await _read(session, with_etag(response, record))


@router.put("/workflows/{workflow_id}", responses=sends(200, "ETag"))
async def update_workflow(
    workflow_id: int,
    body: WorkflowUpdate,
    session: SessionDep,
    principal: CanWriteWorkflows,
    response: Response,
    expected: IfMatch,
) -> WorkflowRead:
    """A new `definition` is saved as the next version; orders keep the version they began
    on. The `ETag` is the workflow record's version (any change), not `current_version`."""
    record = await service.update_workflow(
        session, workflow_id, body, principal=principal, expected_version=expected
    )
    return await _read(session, with_etag(response, record))


@router.get("/workflows/{workflow_id}/versions")
async def list_workflow_versions(
    workflow_id: int, session: SessionDep, principal: CanReadCatalog
) -> list[WorkflowVersionRead]:
    record = await service.load_workflow(session, workflow_id, principal=principal)
    versions = await queries.versions_of(session, record)
    return [WorkflowVersionRead.model_validate(v) for v in versions]


@router.get("/workflows/{workflow_id}/versions/{number}")
async def get_workflow_version(
    workflow_id: int,
    number: Annotated[int, Path(ge=1, le=VERSION_MAX, description="From 1")],
    session: SessionDep,
    principal: CanReadCatalog,
) -> WorkflowVersionRead:
    record = await service.load_workflow(session, workflow_id, principal=principal)
    return WorkflowVersionRead.model_validate(await service.version_of(session, record, number))
