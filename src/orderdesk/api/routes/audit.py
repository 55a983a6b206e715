"""The audit trail: who was shown which patient's data, and who was refused (read-only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from orderdesk.api import NATIVE
from orderdesk.api.callers import CanReadAudit
from orderdesk.api.listing import ListPage, Paging, page_response, sorted_by
from orderdesk.audit import queries
from orderdesk.audit.fhir import as_fhir
from orderdesk.audit.schemas import AuditEventRead
from orderdesk.http.routing import surface_router
from orderdesk.http.unit_of_work import SessionDep

router = surface_router(NATIVE, prefix="/v1", tags=["audit"])


@router.get("/audit-events")
async def list_audit_events(
    request: Request,
    session: SessionDep,
    principal: CanReadAudit,
    paging: Annotated[Paging, Depends(sorted_by(*queries.AUDIT_SORTS))],
    filters: Annotated[queries.AuditFilter, Depends()],
) -> ListPage[AuditEventRead]:
    """The tenant's audit records, oldest first (``sort=-id``: newest first)."""
    page = await queries.list_audit_events(
        session, principal, filters, sort=paging.sort, cursor=paging.cursor, limit=paging.limit
    )
    return page_response(request, page, AuditEventRead.model_validate)


@router.get("/audit-events/{audit_event_id}")
async def get_audit_event(
    audit_event_id: int, session: SessionDep, principal: CanReadAudit
) -> AuditEventRead:
    return AuditEventRead.model_validate(
        await queries.load_audit_event(session, audit_event_id, principal)
    )


@router.get("/audit-events/{audit_event_id}/fhir")
async def get_audit_event_as_fhir(
    audit_event_id: int, session: SessionDep, principal: CanReadAudit
) -> dict[str, Any]:
    """The record as a FHIR R4 ``AuditEvent`` resource (JSON, or XML as every native
    answer: not FHIR's own XML form)."""
    return as_fhir(await queries.load_audit_event(session, audit_event_id, principal))
