"""Reading patients and sites: their lists."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.pagination import Page, paginate, where_given
from orderdesk.parties.models import Patient, Site
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import select_visible

SITE_SORTS = {"id": Site.id, "name": Site.name}
PATIENT_SORTS = {"id": Patient.id, "last_name": Patient.last_name}


async def list_sites(
    session: AsyncSession,
    *,
    principal: Principal,
    active: bool | None = None,
    account_id: int | None = None,
    sort: str,
    cursor: str | None,
    limit: int,
) -> Page[Site]:
    stmt = where_given(
        select_visible(Site, principal), (Site.active, active), (Site.account_id, account_id)
    )
    return await paginate(
        session,
        stmt,
        id_column=Site.id,
        sort_columns=SITE_SORTS,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


async def list_patients(
    session: AsyncSession,
    *,
    principal: Principal,
    site_id: int | None = None,
    account_id: int | None = None,
    external_identifier: str | None = None,
    archived: bool | None = None,
    sort: str,
    cursor: str | None,
    limit: int,
) -> Page[Patient]:
    stmt = where_given(
        select_visible(Patient, principal),
        (Patient.site_id, site_id),
        (Patient.account_id, account_id),
        (Patient.external_identifier, external_identifier),
        (Patient.archived, archived),
    )
    return await paginate(
        session,
        stmt,
        id_column=Patient.id,
        sort_columns=PATIENT_SORTS,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
