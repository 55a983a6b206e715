"""Patients and sites."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, status

from orderdesk.api import NATIVE
from orderdesk.api.listing import IdFilter, ListPage, Paging, page_response, sorted_by
from orderdesk.http.auth import PrincipalDep
from orderdesk.http.routing import surface_router
from orderdesk.http.unit_of_work import SessionDep
from orderdesk.pagination import where_given
from orderdesk.parties import service
from orderdesk.parties.models import Patient, Site
from orderdesk.parties.schemas import (
    PatientCreate,
    PatientRead,
    PatientUpdate,
    SiteCreate,
    SiteRead,
    SiteUpdate,
)
from orderdesk.tenancy.scoping import get_visible, select_visible

router = surface_router(NATIVE, prefix="/v1")


@router.post("/sites", status_code=status.HTTP_201_CREATED, tags=["sites"])
async def create_site(body: SiteCreate, session: SessionDep, principal: PrincipalDep) -> SiteRead:
    return SiteRead.model_validate(await service.create_site(session, body, principal=principal))


@router.get("/sites", tags=["sites"])
async def list_sites(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    paging: Annotated[Paging, Depends(sorted_by("id", "name"))],
    active: Annotated[bool | None, Query()] = None,
    account_id: IdFilter = None,
) -> ListPage[SiteRead]:
    stmt = where_given(
        select_visible(Site, principal), (Site.active, active), (Site.account_id, account_id)
    )
    page = await paging.fetch(
        session, stmt, id_column=Site.id, sorts={"id": Site.id, "name": Site.name}
    )
    return page_response(request, page, SiteRead.model_validate)


@router.get("/sites/{site_id}", tags=["sites"])
async def get_site(site_id: int, session: SessionDep, principal: PrincipalDep) -> SiteRead:
    return SiteRead.model_validate(
        await get_visible(session, Site, site_id, principal, kind="site")
    )


@router.patch("/sites/{site_id}", tags=["sites"])
async def update_site(
    site_id: int, body: SiteUpdate, session: SessionDep, principal: PrincipalDep
) -> SiteRead:
    return SiteRead.model_validate(
        await service.update_site(session, site_id, body, principal=principal)
    )


@router.post("/patients", status_code=status.HTTP_201_CREATED, tags=["patients"])
async def create_patient(
    body: PatientCreate, session: SessionDep, principal: PrincipalDep
) -> PatientRead:
    return PatientRead.model_validate(
        await service.create_patient(session, body, principal=principal)
    )


@router.get("/patients", tags=["patients"])
async def list_patients(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    paging: Annotated[Paging, Depends(sorted_by("id", "last_name"))],
    site_id: IdFilter = None,
    account_id: IdFilter = None,
    external_identifier: Annotated[str | None, Query(max_length=100)] = None,
    archived: Annotated[bool | None, Query()] = None,
) -> ListPage[PatientRead]:
    stmt = where_given(
        select_visible(Patient, principal),
        (Patient.site_id, site_id),
        (Patient.account_id, account_id),
        (Patient.external_identifier, external_identifier),
        (Patient.archived, archived),
    )
    page = await paging.fetch(
        session,
        stmt,
        id_column=Patient.id,
        sorts={"id": Patient.id, "last_name": Patient.last_name},
    )
    return page_response(request, page, PatientRead.model_validate)


@router.get("/patients/{patient_id}", tags=["patients"])
async def get_patient(patient_id: int, session: SessionDep, principal: PrincipalDep) -> PatientRead:
    return PatientRead.model_validate(
        await get_visible(session, Patient, patient_id, principal, kind="patient")
    )


@router.patch("/patients/{patient_id}", tags=["patients"])
async def update_patient(
    patient_id: int, body: PatientUpdate, session: SessionDep, principal: PrincipalDep
) -> PatientRead:
    return PatientRead.model_validate(
        await service.update_patient(session, patient_id, body, principal=principal)
    )
