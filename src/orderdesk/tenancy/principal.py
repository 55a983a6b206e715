"""Who is calling: resolved once per request, then handed to every service."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from orderdesk.errors import FieldError, Forbidden, ValidationFailed
from orderdesk.tenancy.models import Role
from orderdesk.tenancy.scopes import ROLE_SCOPES, Scope


@dataclass(frozen=True)
class Principal:
    tenant_id: int
    role: Role
    account_id: int | None  # None only for admins
    credential_id: int | None  # None for the system itself (CLI, demo)
    name: str
    client: str | None = None  # calling client id a compatibility API reports
    scopes: frozenset[Scope] = frozenset()  # what the credential (or its token) may do

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def actor(self) -> str:
        """How the timeline names this caller."""
        return f"{self.role.value}:{self.name}"

    @property
    def sees_phi(self) -> bool:
        """Whether patients' identifying data is shown to this caller (``phi:read``)."""
        return Scope.PHI_READ in self.scopes

    def with_client(self, client: str | None) -> Principal:
        return replace(self, client=client)

    def require_scopes(self, needed: Iterable[str]) -> None:
        """Refuse (403, naming them) unless the caller holds every scope ``needed``."""
        missing = sorted(set(needed) - {s.value for s in self.scopes})
        if missing:
            raise Forbidden(
                f"this needs the scope {', '.join(missing)}, which the credential does not hold",
                extra={"missing_scopes": missing},
            )

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise Forbidden(f"this needs the role {allowed}; the credential is {self.role.value}")

    def owning_account(self, requested: int | None, *, pointer: str = "/account_id") -> int:
        """The account a new object belongs to: the caller's own, or for admins the one named."""
        if self.is_admin:
            if requested is None:
                raise ValidationFailed(
                    "an admin must name the account",
                    errors=[FieldError("required for admin credentials", pointer=pointer)],
                )
            return requested
        assert self.account_id is not None
        if requested is not None and requested != self.account_id:
            raise ValidationFailed(
                "a credential acts only for its own account",
                errors=[FieldError(f"must be {self.account_id} or omitted", pointer=pointer)],
            )
        return self.account_id


def system_principal(tenant_id: int) -> Principal:
    """The service acting on its own behalf (demo loader, CLI)."""
    return Principal(
        tenant_id=tenant_id,
        role=Role.ADMIN,
        account_id=None,
        credential_id=None,
        name="system",
        scopes=ROLE_SCOPES[Role.ADMIN],
    )
