"""Reading the audit trail: one tenant's records, filtered, a page at a time."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit.models import AuditEntity, AuditEvent, EntityKind
from orderdesk.errors import not_found
from orderdesk.pagination import Page, paginate, where_given
from orderdesk.schemas import Id, Instant
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import find_in_tenant

AUDIT_SORTS = {"id": AuditEvent.id}


class AuditFilter(BaseModel):
    """What an audit list may be narrowed to; None: any."""

    patient_id: Id | None = Field(default=None, description="Records naming this patient")
    order_id: Id | None = Field(default=None, description="Records naming this order")
    device_id: Id | None = Field(default=None, description="Records naming this device")
    credential_id: Id | None = Field(default=None, description="Records of this credential")
    recorded_after: Instant | None = Field(
        default=None, description="Recorded at or after this instant"
    )
    recorded_before: Instant | None = Field(default=None, description="Recorded before it")


async def list_audit_events(
    session: AsyncSession,
    principal: Principal,
    f: AuditFilter,
    *,
    sort: str,
    cursor: str | None,
    limit: int,
) -> Page[AuditEvent]:
    stmt = where_given(
        select(AuditEvent).where(AuditEvent.tenant_id == principal.tenant_id),
        (AuditEvent.credential_id, f.credential_id),
    )
    for kind, ident in (
        (EntityKind.PATIENT, f.patient_id),
        (EntityKind.ORDER, f.order_id),
        (EntityKind.DEVICE, f.device_id),
    ):
        if ident is not None:
            stmt = stmt.where(
                AuditEvent.id.in_(
                    select(AuditEntity.audit_event_id).where(
                        AuditEntity.tenant_id == principal.tenant_id,
                        AuditEntity.kind == kind,
                        AuditEntity.entity_id == ident,
                    )
                )
            )
    if f.recorded_after is not None:
        stmt = stmt.where(AuditEvent.recorded_at >= f.recorded_after)
    if f.recorded_before is not None:
        stmt = stmt.where(AuditEvent.recorded_at < f.recorded_before)
    return await paginate(
        session,
        stmt,
        id_column=AuditEvent.id,
        sort_columns=AUDIT_SORTS,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


async def load_audit_event(
    session: AsyncSession, audit_event_id: int, principal: Principal
) -> AuditEvent:
    found = await find_in_tenant(session, AuditEvent, audit_event_id, tenant_id=principal.tenant_id)
    if found is None:
        raise not_found("audit event", audit_event_id)
    return found
