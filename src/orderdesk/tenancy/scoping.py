"""The one place where a principal's scope is applied to queries.

Every tenant-owned model with a ``visible_to(principal)`` rule is read through
``select_visible``; an object outside the scope is exactly as absent as one
that does not exist. A check that names its own rule (an account of a kind, a
patient of the ordering customer) looks its object up with ``find_in_tenant``:
by tenant and id in SQL, never by primary key alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.interfaces import ORMOption

from orderdesk.errors import not_found
from orderdesk.schemas import ID_MAX
from orderdesk.tenancy.principal import Principal


class Scoped(Protocol):
    tenant_id: InstrumentedAttribute[int] | int
    id: InstrumentedAttribute[int] | int

    @classmethod
    def visible_to(cls, principal: Principal) -> ColumnElement[bool]: ...


M = TypeVar("M")


def select_visible(model: type[M], principal: Principal) -> Select[M]:
    scoped: Any = model
    return select(model).where(
        scoped.tenant_id == principal.tenant_id, scoped.visible_to(principal)
    )


async def get_visible(
    session: AsyncSession,
    model: type[M],
    ident: int,
    principal: Principal,
    *,
    kind: str,
    options: Sequence[ORMOption] = (),
    for_update: bool = False,
    fresh: bool = False,
    where: Iterable[ColumnElement[bool]] = (),
) -> M:
    """Load one object the principal may see (and that meets ``where``), or raise the same
    404 as for a missing one."""
    if not 1 <= ident <= ID_MAX:  # names nothing, and the database cannot bind it
        raise not_found(kind, ident)
    scoped: Any = model
    stmt = select_visible(model, principal).where(scoped.id == ident, *where).options(*options)
    if for_update:  # this row only, not the rows its options join in
        stmt = stmt.with_for_update(of=model)
    if fresh:  # reload relationships of an object already in the session
        stmt = stmt.execution_options(populate_existing=True)
    obj = (await session.scalars(stmt)).one_or_none()
    if obj is None:
        raise not_found(kind, ident)
    return obj


async def find_in_tenant(
    session: AsyncSession,
    model: type[M],
    ident: int,
    *,
    tenant_id: int,
    where: Iterable[ColumnElement[bool]] = (),
) -> M | None:
    """The tenant's object with this id that meets ``where``, or None (also for an id that
    names nothing). For checks that answer their own error; reads use ``get_visible``."""
    if not 1 <= ident <= ID_MAX:  # names nothing, and the database cannot bind it
        return None
    scoped: Any = model
    stmt = select(model).where(scoped.tenant_id == tenant_id, scoped.id == ident, *where)
    return (await session.scalars(stmt)).one_or_none()
