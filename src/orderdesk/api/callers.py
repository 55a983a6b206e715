"""Who may call a native route: the principal, holding the one scope the route declares.

Each alias is a typed dependency (``principal: CanReadOrders``): it authenticates
the caller, refuses one without the scope (403 naming it), and shows the scope in
the OpenAPI document. ``phi:read`` guards no route; the read model applies it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Security

from orderdesk.http.auth import native_principal
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scopes import Scope


def _holding(scope: Scope) -> object:
    return Security(native_principal, scopes=[scope.value])


CanReadAccounts = Annotated[Principal, _holding(Scope.ACCOUNTS_READ)]
CanAdminister = Annotated[Principal, _holding(Scope.ADMIN)]
CanReadOrders = Annotated[Principal, _holding(Scope.ORDERS_READ)]
CanWriteOrders = Annotated[Principal, _holding(Scope.ORDERS_WRITE)]
CanReadCatalog = Annotated[Principal, _holding(Scope.CATALOG_READ)]
CanWriteCatalog = Annotated[Principal, _holding(Scope.CATALOG_WRITE)]
CanReadPatients = Annotated[Principal, _holding(Scope.PATIENTS_READ)]
CanWritePatients = Annotated[Principal, _holding(Scope.PATIENTS_WRITE)]
CanReadDevices = Annotated[Principal, _holding(Scope.DEVICES_READ)]
CanWriteDevices = Annotated[Principal, _holding(Scope.DEVICES_WRITE)]
CanWriteWorkflows = Annotated[Principal, _holding(Scope.WORKFLOWS_WRITE)]
CanReadAudit = Annotated[Principal, _holding(Scope.AUDIT_READ)]
