"""What a new order may name: its catalog entries and supplier, and its patient or site
(what it returns is ``orders.returns``). Each check answers a 422 that points at the
offending field."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.catalog.models import Item, Kit, Product
from orderdesk.errors import FieldError, ValidationFailed
from orderdesk.orders.schemas import OrderCreate
from orderdesk.parties.models import Patient, Site
from orderdesk.tenancy.accounts import account_of_kind
from orderdesk.tenancy.models import AccountKind
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import find_in_tenant

P = TypeVar("P", Patient, Site)

_TARGETS: dict[str, type[Item] | type[Kit] | type[Product]] = {
    "item_id": Item,
    "kit_id": Kit,
    "product_id": Product,
}


async def catalog_entries(
    session: AsyncSession, data: OrderCreate, principal: Principal
) -> tuple[dict[tuple[str, int], Any], list[FieldError], list[str]]:
    """Load every catalog entry the order names; errors for unknown or unorderable ones,
    and the pointers of the unorderable ones among them."""
    wanted: dict[str, set[int]] = {field: set() for field in _TARGETS}
    for line in data.lines:
        for field in _TARGETS:
            if (ident := getattr(line, field)) is not None:
                wanted[field].add(ident)
    if data.product_id is not None:
        wanted["product_id"].add(data.product_id)
    found: dict[tuple[str, int], Any] = {}
    for field, model in _TARGETS.items():
        if wanted[field]:
            rows = await session.scalars(
                select(model).where(
                    model.tenant_id == principal.tenant_id, model.id.in_(wanted[field])
                )
            )
            found.update({(field, row.id): row for row in rows})  # type: ignore[attr-defined]
    errors: list[FieldError] = []
    unorderable: list[str] = []
    named = [(f"/lines/{i}", line) for i, line in enumerate(data.lines)]
    for base, line in named:
        for field in _TARGETS:
            ident = getattr(line, field)
            if ident is None:
                continue
            entry = found.get((field, ident))
            kind = field.removesuffix("_id")
            if entry is None:
                errors.append(FieldError(f"must be the id of a {kind}", pointer=f"{base}/{field}"))
            elif not entry.orderable:
                errors.append(
                    FieldError(f"{kind} {ident} is not orderable", pointer=f"{base}/{field}")
                )
                unorderable.append(f"{base}/{field}")
    if data.product_id is not None:
        product = found.get(("product_id", data.product_id))
        if product is None:
            errors.append(FieldError("must be the id of a product", pointer="/product_id"))
        elif not product.orderable:
            errors.append(
                FieldError(f"product {data.product_id} is not orderable", pointer="/product_id")
            )
            unorderable.append("/product_id")
    return found, errors, unorderable


async def supplier_of(
    session: AsyncSession, data: OrderCreate, entries: dict[Any, Any], principal: Principal
) -> int:
    owners = {entry.account_id for entry in entries.values()}
    if data.supplier_account_id is not None:
        await account_of_kind(
            session,
            data.supplier_account_id,
            AccountKind.SUPPLIER,
            principal=principal,
            pointer="/supplier_account_id",
        )
        foreign = owners - {data.supplier_account_id}
        if foreign:
            raise ValidationFailed(
                "the order names catalog entries of another supplier",
                errors=[
                    FieldError(
                        "every line must come from this supplier's catalog",
                        pointer="/supplier_account_id",
                    )
                ],
            )
        return data.supplier_account_id
    if len(owners) != 1:
        detail = (
            "give supplier_account_id or at least one line"
            if not owners
            else "the lines come from several suppliers; an order has one"
        )
        raise ValidationFailed(detail, errors=[FieldError(detail, pointer="/supplier_account_id")])
    return owners.pop()


async def check_recipient(
    session: AsyncSession, data: OrderCreate, customer_id: int, principal: Principal
) -> None:
    """The patient or site must be the ordering account's own, and still in use."""
    if data.patient_id is not None and data.site_id is not None:
        raise ValidationFailed(
            "an order is for a patient or a site, not both",
            errors=[
                FieldError("give at most one of patient_id and site_id", pointer=p)
                for p in ("/patient_id", "/site_id")
            ],
        )
    if data.patient_id is not None:
        patient = await _party_of(
            session, Patient, "patient", data.patient_id, customer_id, principal
        )
        if patient.archived:
            _unusable("patient", data.patient_id, "archived")
    if data.site_id is not None:
        site = await _party_of(session, Site, "site", data.site_id, customer_id, principal)
        if not site.active:
            _unusable("site", data.site_id, "inactive")


async def _party_of(
    session: AsyncSession,
    model: type[P],
    kind: str,
    ident: int,
    customer_id: int,
    principal: Principal,
) -> P:
    """The ordering customer's patient or site with this id, else a 422 on its field."""
    row = await find_in_tenant(
        session,
        model,
        ident,
        tenant_id=principal.tenant_id,
        where=[model.account_id == customer_id],
    )
    if row is None:
        raise ValidationFailed(
            f"no {kind} {ident} in the ordering account",
            errors=[
                FieldError(
                    f"must be the id of a {kind} of the ordering account", pointer=f"/{kind}_id"
                )
            ],
        )
    return row


def _unusable(kind: str, ident: int, why: str) -> None:
    raise ValidationFailed(
        f"{kind} {ident} is {why}",
        errors=[FieldError(f"must not be {why}", pointer=f"/{kind}_id")],
    )
