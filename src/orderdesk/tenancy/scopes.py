"""What a credential may do: the one list of scopes, and which of them each role allows.

A route declares the scope it needs (``http.auth``); a credential holds a set of
scopes within its role's (``ROLE_SCOPES``). ``phi:read`` guards no route: it decides
whether the read model shows a patient's identifying data (``orders.privacy``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from orderdesk.errors import FieldError, ValidationFailed
from orderdesk.tenancy.models import Role


class Scope(enum.StrEnum):
    ACCOUNTS_READ = "accounts:read"
    ORDERS_READ = "orders:read"
    ORDERS_WRITE = "orders:write"
    CATALOG_READ = "catalog:read"
    CATALOG_WRITE = "catalog:write"
    PATIENTS_READ = "patients:read"
    PATIENTS_WRITE = "patients:write"
    PHI_READ = "phi:read"
    DEVICES_READ = "devices:read"
    DEVICES_WRITE = "devices:write"
    WORKFLOWS_WRITE = "workflows:write"
    WEBHOOKS_WRITE = "webhooks:write"
    AUDIT_READ = "audit:read"
    ADMIN = "admin"


#: What each scope lets a caller do (shown in the OpenAPI document).
DESCRIPTIONS: dict[Scope, str] = {
    Scope.ACCOUNTS_READ: "Read accounts (one's own, and the suppliers one can order from)",
    Scope.ORDERS_READ: "Read orders, their timelines and projects",
    Scope.ORDERS_WRITE: "Place, change, move and annotate orders; make projects",
    Scope.CATALOG_READ: "Read manufacturers, items, kits, products, workflows, order schemas",
    Scope.CATALOG_WRITE: "Change the catalog and order schemas",
    Scope.PATIENTS_READ: "Read patients and sites (without PHI unless also phi:read)",
    Scope.PATIENTS_WRITE: "Register and change patients and sites",
    Scope.PHI_READ: "See patients' identifying data wherever it appears (audited)",
    Scope.DEVICES_READ: "Read devices and their events",
    Scope.DEVICES_WRITE: "Register devices, record their events, assign and pack them",
    Scope.WORKFLOWS_WRITE: "Publish workflows",
    Scope.WEBHOOKS_WRITE: "Manage webhook endpoints",
    Scope.AUDIT_READ: "Read the audit trail",
    Scope.ADMIN: "Manage accounts and credentials",
}

_PARTY_SCOPES = frozenset(
    {
        Scope.ACCOUNTS_READ,
        Scope.ORDERS_READ,
        Scope.ORDERS_WRITE,
        Scope.CATALOG_READ,
        Scope.PATIENTS_READ,
        Scope.PHI_READ,
        Scope.DEVICES_READ,
        Scope.WEBHOOKS_WRITE,
    }
)

#: The scopes a credential of each role may hold (and, by default, holds).
ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.ADMIN: frozenset(Scope),
    Role.CUSTOMER: _PARTY_SCOPES | {Scope.PATIENTS_WRITE},
    Role.SUPPLIER: _PARTY_SCOPES
    | {Scope.CATALOG_WRITE, Scope.DEVICES_WRITE, Scope.WORKFLOWS_WRITE},
}


def scopes_for(
    role: Role, requested: Iterable[Scope] | None, *, pointer: str = "/scopes"
) -> frozenset[Scope]:
    """The scopes a new credential of ``role`` holds: those requested (every one within
    the role's), else all of the role's."""
    allowed = ROLE_SCOPES[role]
    if requested is None:
        return allowed
    chosen = frozenset(requested)
    outside = sorted(chosen - allowed)
    if outside:
        raise ValidationFailed(
            f"a {role.value} credential cannot hold {', '.join(outside)}",
            errors=[
                FieldError(
                    f"must be among the {role.value} role's scopes: " + ", ".join(sorted(allowed)),
                    pointer=pointer,
                )
            ],
        )
    return chosen


def stored(scopes: Iterable[Scope]) -> list[str]:
    """How a set of scopes is kept: sorted names, so equal sets compare equal."""
    return sorted(str(s) for s in scopes)


def loaded(names: Iterable[str]) -> frozenset[Scope]:
    """Kept names back as scopes; a name this version no longer knows grants nothing."""
    known = {s.value for s in Scope}
    return frozenset(Scope(n) for n in names if n in known)
