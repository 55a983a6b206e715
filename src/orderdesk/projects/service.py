"""Use cases for projects."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.errors import FieldError, ValidationFailed
from orderdesk.parties.models import Patient
from orderdesk.projects.models import Project
from orderdesk.projects.schemas import ProjectCreate
from orderdesk.tenancy.accounts import account_of_kind
from orderdesk.tenancy.models import AccountKind, Role
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import find_in_tenant, get_visible


async def load_project(session: AsyncSession, project_id: int, *, principal: Principal) -> Project:
    return await get_visible(session, Project, project_id, principal, kind="project")


async def create_project(
    session: AsyncSession, data: ProjectCreate, *, principal: Principal
) -> Project:
    principal.require(Role.ADMIN, Role.CUSTOMER)
    account_id = principal.owning_account(data.account_id)
    await account_of_kind(
        session, account_id, AccountKind.CUSTOMER, principal=principal, pointer="/account_id"
    )
    if data.patient_id is not None:
        patient = await find_in_tenant(
            session,
            Patient,
            data.patient_id,
            tenant_id=principal.tenant_id,
            where=[Patient.account_id == account_id],
        )
        if patient is None:
            raise ValidationFailed(
                f"no patient {data.patient_id} in this account",
                errors=[
                    FieldError("must be the id of a patient of the account", pointer="/patient_id")
                ],
            )
    project = Project(
        tenant_id=principal.tenant_id,
        account_id=account_id,
        patient_id=data.patient_id,
        name=data.name,
    )
    session.add(project)
    await session.flush()
    return project


async def project_for_order(
    session: AsyncSession,
    project_id: int | None,
    *,
    customer_id: int,
    patient_id: int | None,
    principal: Principal,
) -> Project:
    """The named project of the ordering customer, or a new one for this order alone."""
    if project_id is None:
        project = Project(
            tenant_id=principal.tenant_id,
            account_id=customer_id,
            patient_id=patient_id,
            name="Order project",
        )
        session.add(project)
        await session.flush()
        return project
    named = await find_in_tenant(
        session,
        Project,
        project_id,
        tenant_id=principal.tenant_id,
        where=[Project.account_id == customer_id],
    )
    if named is None:
        raise ValidationFailed(
            f"no project {project_id} of the ordering account",
            errors=[
                FieldError(
                    "must be the id of a project of the ordering account", pointer="/project_id"
                )
            ],
        )
    return named
