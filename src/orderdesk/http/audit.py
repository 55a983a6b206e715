"""The edge's side of the audit trail (``orderdesk.audit.trail``).

Two hooks, registered by ``install``:

- after a handler, before the request's commit: if its answer disclosed PHI (the
  read steps noted it in the session's ``Disclosures``), the record is written in
  the request's own unit of work, so it commits with the work or not at all. A read
  runs in a read-only unit; its record is written by ``write_soon`` as that unit
  ends, still before the answer is sent, and if it cannot be written the answer is
  an error, never PHI without its record.
- after a refusal (401, 403 or 404) on a patient, order, device or project route,
  once the request's work has rolled back: the attempt is recorded in a unit of its
  own, naming the ids it asked for. An attempt before any credential was known is
  recorded under the default tenant.
"""

from __future__ import annotations

import re

from fastapi import FastAPI, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit.trail import Access, record
from orderdesk.db import write_soon
from orderdesk.errors import OrderdeskError
from orderdesk.http.problems import request_id
from orderdesk.http.routing import before_commit_hooks, refusal_hooks
from orderdesk.privacy import Disclosures, disclosures
from orderdesk.tenancy.principal import Principal

#: The routes whose refusals are recorded: those of patients, orders, devices and
#: projects (which list orders), on every surface.
_GUARDED = re.compile(r"/(patients?|orders?|devices?|projects?)(/|$)")
#: The answers that are refusals of an attempt.
_REFUSALS = frozenset({401, 403, 404})
#: Native path parameters naming what a refused request asked for.
_ASKED = {"patient_id": "patients", "order_id": "orders", "device_id": "devices"}


def _access(request: Request, status: int, principal: Principal | None, tenant_id: int) -> Access:
    route = request.scope.get("route")
    client = request.client
    return Access(
        tenant_id=tenant_id,
        principal=principal,
        method=request.method,
        surface=getattr(route, "surface_name", "native"),
        route=getattr(route, "path", request.url.path),
        path=request.url.path,
        status=status,
        client_address=client.host if client else None,
        request_id=request_id(request),
    )


def _principal(request: Request) -> Principal | None:
    found: Principal | None = getattr(request.state, "principal", None)
    return found


async def record_disclosure(request: Request, response: Response, session: AsyncSession) -> None:
    disclosed = disclosures(session)
    principal = _principal(request)
    if not disclosed or principal is None:
        return
    access = _access(request, response.status_code, principal, principal.tenant_id)

    async def write(unit: AsyncSession) -> None:
        record(unit, access, disclosed)

    await write_soon(session, write)


async def record_refusal(request: Request, error: OrderdeskError, session: AsyncSession) -> None:
    route = request.scope.get("route")
    if error.status not in _REFUSALS or not _GUARDED.search(getattr(route, "path", "")):
        return
    principal = _principal(request)
    tenant_id = principal.tenant_id if principal else request.app.state.default_tenant_id
    asked = Disclosures()
    for name, kind in _ASKED.items():
        value = request.path_params.get(name)
        if isinstance(value, str) and value.isdecimal() and len(value) < 19:
            getattr(asked, kind).add(int(value))
    record(session, _access(request, error.status, principal, tenant_id), asked)


def install(app: FastAPI) -> None:
    before_commit_hooks(app).append(record_disclosure)
    refusal_hooks(app).append(record_refusal)
