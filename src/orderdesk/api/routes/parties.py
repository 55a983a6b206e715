"""Patients and sites."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response, status

from orderdesk.api import NATIVE
from orderdesk.api.callers import CanReadPatients, CanWritePatients
from orderdesk.api.listing import IdFilter, ListPage, Paging, page_response, sorted_by
from orderdesk.http.conditional import IfMatch, with_etag
from orderdesk.http.openapi import sends
from orderdesk.http.routing import surface_router
from orderdesk.http.unit_of_work import SessionDep
from orderdesk.parties import queries, service
from orderdesk.parties.reading import read_patient
from orderdesk.parties.schemas import (
    PatientCreate,
    PatientRead,
    PatientUpdate,
    SiteCreate,
    SiteRead,
    SiteUpdate,
)

router = surface_router(NATIVE, prefix="/v1")


@router.post("/sites", status_code=status.HTTP_201_CREATED, tags=["sites"])
async def create_site(
    body: SiteCreate, session: SessionDep, principal: CanWritePatients
) -> SiteRead:
    return SiteRead.model_validate(await service.create_site(session, body, principal=principal))


@router.get("/sites", tags=["sites"])
async def list_sites(
    request: Request,
    session: SessionDep,
    principal: CanReadPatients,
    paging: Annotated[Paging, Depends(sorted_by("id", "name"))],
    active: Annotated[bool | None, Query()] = None,
    account_id: IdFilter = None,
) -> ListPage[SiteRead]:
    page = await queries.list_sites(
        session,
        principal=principal,
        active=active,
        account_id=account_id,
        sort=paging.sort,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return page_response(request, page, SiteRead.model_validate)


@router.get("/sites/{site_id}", tags=["sites"], responses=sends(200, "ETag"))
async def get_site(
    site_id: int, session: SessionDep, principal: CanReadPatients, response: Response
) -> SiteRead:
    site = await service.load_site(session, site_id, principal=principal)
    return SiteRead.model_validate(with_etag(response, site))


@router.patch("/sites/{site_id}", tags=["sites"], responses=sends(200, "ETag"))
async def update_site(
    site_id: int,
    body: SiteUpdate,
    session: SessionDep,
    principal: CanWritePatients,
    response: Response,
    expected: IfMatch,
) -> SiteRead:
    site = await service.update_site(
        session, site_id, body, principal=principal, expected_version=expected
    )
    return SiteRead.model_validate(with_etag(response, site))


@router.post("/patients", status_code=status.HTTP_201_CREATED, tags=["patients"])
async def create_patient(
    body: PatientCreate, session: SessionDep, principal: CanWritePatients
) -> PatientRead:
    return read_patient(
        session, await service.create_patient(session, body, principal=principal), principal
    )


@router.get("/patients", tags=["patients"])
async def list_patients(
    request: Request,
    session: SessionDep,
    principal: CanReadPatients,
    paging: Annotated[Paging, Depends(sorted_by("id", "last_name"))],
    site_id: IdFilter = None,
    account_id: IdFilter = None,
    external_identifier: Annotated[str | None, Query(max_length=100)] = None,
    archived: Annotated[bool | None, Query()] = None,
) -> ListPage[PatientRead]:
    page = await queries.list_patients(
        session,
        principal=principal,
        site_id=site_id,
        account_id=account_id,
        external_identifier=external_identifier,
        archived=archived,
        sort=paging.sort,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return page_response(request, page, lambda p: read_patient(session, p, principal))


@router.get("/patients/{patient_id}", tags=["patients"], responses=sends(200, "ETag"))
async def get_patient(
    patient_id: int, session: SessionDep, principal: CanReadPatients, response: Response
) -> PatientRead:
    patient = await service.load_patient(session, patient_id, principal=principal)
    return read_patient(session, with_etag(response, patient), principal)


@router.patch("/patients/{patient_id}", tags=["patients"], responses=sends(200, "ETag"))
async def update_patient(
    patient_id: int,
    body: PatientUpdate,
    session: SessionDep,
    principal: CanWritePatients,
    response: Response,
    expected: IfMatch,
) -> PatientRead:
    patient = await service.update_patient(
        session, patient_id, body, principal=principal, expected_version=expected
    )
    return read_patient(session, with_etag(response, patient), principal)
