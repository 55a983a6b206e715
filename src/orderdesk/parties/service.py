"""Use cases for patients and sites."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.errors import FieldError, ValidationFailed, check_version
from orderdesk.parties.models import Patient, Site
from orderdesk.parties.schemas import PatientCreate, PatientUpdate, SiteCreate, SiteUpdate
from orderdesk.schemas import address_dict, apply_changes
from orderdesk.tenancy.accounts import account_of_kind
from orderdesk.tenancy.models import AccountKind, Role
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import find_in_tenant, get_visible


async def load_site(session: AsyncSession, site_id: int, *, principal: Principal) -> Site:
    return await get_visible(session, Site, site_id, principal, kind="site")


async def load_patient(session: AsyncSession, patient_id: int, *, principal: Principal) -> Patient:
    return await get_visible(session, Patient, patient_id, principal, kind="patient")


async def _customer_account(
    session: AsyncSession, requested: int | None, principal: Principal
) -> int:
    principal.require(Role.ADMIN, Role.CUSTOMER)
    account_id = principal.owning_account(requested)
    await account_of_kind(
        session, account_id, AccountKind.CUSTOMER, principal=principal, pointer="/account_id"
    )
    return account_id


async def create_site(session: AsyncSession, data: SiteCreate, *, principal: Principal) -> Site:
    account_id = await _customer_account(session, data.account_id, principal)
    site = Site(
        tenant_id=principal.tenant_id,
        account_id=account_id,
        name=data.name,
        phone_number=data.phone_number,
        address=address_dict(data.address),
        active=data.active,
    )
    session.add(site)
    await session.flush()
    return site


async def update_site(
    session: AsyncSession,
    site_id: int,
    data: SiteUpdate,
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> Site:
    principal.require(Role.ADMIN, Role.CUSTOMER)
    site = await load_site(session, site_id, principal=principal)
    check_version("site", site, expected_version)
    apply_changes(site, data)
    await session.flush()
    return site


async def _site_of_account(
    session: AsyncSession, site_id: int, account_id: int, principal: Principal
) -> None:
    site = await find_in_tenant(
        session, Site, site_id, tenant_id=principal.tenant_id, where=[Site.account_id == account_id]
    )
    if site is None:
        raise ValidationFailed(
            f"no site {site_id} in this account",
            errors=[
                FieldError("must be the id of a site of the patient's account", pointer="/site_id")
            ],
        )


async def create_patient(
    session: AsyncSession, data: PatientCreate, *, principal: Principal
) -> Patient:
    account_id = await _customer_account(session, data.account_id, principal)
    if data.site_id is not None:
        await _site_of_account(session, data.site_id, account_id, principal)
    patient = Patient(
        tenant_id=principal.tenant_id,
        account_id=account_id,
        **data.model_dump(exclude={"account_id", "address"}),
        address=address_dict(data.address),
    )
    session.add(patient)
    await session.flush()
    return patient


async def update_patient(
    session: AsyncSession,
    patient_id: int,
    data: PatientUpdate,
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> Patient:
    principal.require(Role.ADMIN, Role.CUSTOMER)
    patient = await load_patient(session, patient_id, principal=principal)
    check_version("patient", patient, expected_version)
    if data.site_id is not None:
        await _site_of_account(session, data.site_id, patient.account_id, principal)
    apply_changes(patient, data)
    await session.flush()
    return patient
