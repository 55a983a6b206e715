"""Reading projects: their list (a project's orders and timeline are the orders' queries)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.pagination import Page, paginate, where_given
from orderdesk.projects.models import Project
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import select_visible

PROJECT_SORTS = {"id": Project.id}


async def list_projects(
    session: AsyncSession,
    *,
    principal: Principal,
    patient_id: int | None = None,
    sort: str,
    cursor: str | None,
    limit: int,
) -> Page[Project]:
    return await paginate(
        session,
        where_given(select_visible(Project, principal), (Project.patient_id, patient_id)),
        id_column=Project.id,
        sort_columns=PROJECT_SORTS,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
