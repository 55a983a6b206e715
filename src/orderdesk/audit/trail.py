"""Writing the audit trail: one record per request that disclosed PHI, or that was
refused on a patient, order or device route.

The edge knows the request (``Access``); the read steps know what they disclosed
(``privacy.Disclosures``); ``record`` writes both in the session it is given, the
request's own unit of work for a disclosure, so the record commits with the answer
or neither does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk import tally
from orderdesk.audit.models import AuditEntity, AuditEvent, EntityKind
from orderdesk.privacy import Disclosures
from orderdesk.tenancy.principal import Principal

#: FHIR ``AuditEvent.action`` of each method (a POST that made nothing is an Execute).
_ACTIONS = {"GET": "R", "HEAD": "R", "PUT": "U", "PATCH": "U", "DELETE": "D"}


def action_of(method: str, status: int) -> str:
    """C(reate), R(ead), U(pdate), D(elete) or E(xecute)."""
    if method == "POST":
        return "C" if status == 201 else "E"
    return _ACTIONS.get(method, "E")


@dataclass(frozen=True)
class Access:
    """What the edge knows of one request."""

    tenant_id: int
    principal: Principal | None  # None: it was refused before a credential was known
    method: str
    surface: str
    route: str  # the path template, ``/v1/orders/{order_id}``
    path: str  # the path asked for (no query: a query may carry PHI)
    status: int
    client_address: str | None
    request_id: str


def record(session: AsyncSession, access: Access, disclosed: Disclosures) -> AuditEvent:
    """Add the record of ``access`` naming what it ``disclosed`` (or, refused, asked for)."""
    who = access.principal
    event = AuditEvent(
        tenant_id=access.tenant_id,
        action=action_of(access.method, access.status),
        method=access.method,
        surface=access.surface,
        route=access.route,
        path=access.path,
        status=access.status,
        phi_disclosed=access.status < 400 and bool(disclosed),
        credential_id=who.credential_id if who else None,
        role=who.role.value if who else None,
        account_id=who.account_id if who else None,
        client=who.client if who else None,
        client_address=access.client_address,
        request_id=access.request_id,
        entities=[
            AuditEntity(tenant_id=access.tenant_id, kind=kind, entity_id=ident)
            for kind, idents in (
                (EntityKind.PATIENT, disclosed.patients),
                (EntityKind.ORDER, disclosed.orders),
                (EntityKind.DEVICE, disclosed.devices),
            )
            for ident in sorted(idents)
        ],
    )
    session.add(event)
    tally.note(session, "audit_record", surface=access.surface)
    return event
