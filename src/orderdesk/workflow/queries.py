"""Reading stored workflows: lists, one by key, and their versions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.pagination import Page, paginate, where_given
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import select_visible
from orderdesk.workflow.models import WorkflowRecord, WorkflowVersion

WORKFLOW_SORTS = {"id": WorkflowRecord.id, "key": WorkflowRecord.key}


async def list_workflows(
    session: AsyncSession,
    *,
    principal: Principal,
    account_id: int | None = None,
    key: str | None = None,
    sort: str,
    cursor: str | None,
    limit: int,
) -> Page[WorkflowRecord]:
    stmt = where_given(
        select_visible(WorkflowRecord, principal),
        (WorkflowRecord.account_id, account_id),
        (WorkflowRecord.key, key),
    )
    return await paginate(
        session,
        stmt,
        id_column=WorkflowRecord.id,
        sort_columns=WORKFLOW_SORTS,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


async def all_workflows(session: AsyncSession, *, principal: Principal) -> list[WorkflowRecord]:
    """Every workflow the principal may see, oldest first."""
    stmt = select_visible(WorkflowRecord, principal).order_by(WorkflowRecord.id)
    return list(await session.scalars(stmt))


async def workflow_by_key(
    session: AsyncSession, key: str, *, principal: Principal
) -> WorkflowRecord | None:
    """The workflow with this key (keys are unique in a tenant), if there is one."""
    stmt = select_visible(WorkflowRecord, principal).where(WorkflowRecord.key == key)
    return (await session.scalars(stmt)).one_or_none()


async def versions_of(session: AsyncSession, record: WorkflowRecord) -> list[WorkflowVersion]:
    """Every saved version of the workflow, first to current."""
    stmt = (
        select(WorkflowVersion)
        .where(
            WorkflowVersion.tenant_id == record.tenant_id, WorkflowVersion.workflow_id == record.id
        )
        .order_by(WorkflowVersion.number)
    )
    return list(await session.scalars(stmt))


async def find_version(
    session: AsyncSession, record: WorkflowRecord, number: int | None = None
) -> WorkflowVersion | None:
    """Version ``number`` of the workflow (default: its current one), if it has one."""
    stmt = select(WorkflowVersion).where(
        WorkflowVersion.tenant_id == record.tenant_id,
        WorkflowVersion.workflow_id == record.id,
        WorkflowVersion.number == (number or record.current_version),
    )
    return (await session.scalars(stmt)).one_or_none()
