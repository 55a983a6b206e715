"""Use cases for stored workflows: defaults per tenant, create, new versions, import."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.errors import FieldError, Forbidden, ValidationFailed, check_version, not_found
from orderdesk.schemas import INT32_MAX
from orderdesk.tenancy.accounts import account_of_kind
from orderdesk.tenancy.models import AccountKind, Role
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import find_in_tenant, get_visible
from orderdesk.workflow.defaults import DEFAULT_WORKFLOWS, TENANT_DEFAULT_KEY
from orderdesk.workflow.models import WorkflowRecord, WorkflowVersion
from orderdesk.workflow.parse import parse_workflow
from orderdesk.workflow.queries import find_version, workflow_by_key
from orderdesk.workflow.schemas import WorkflowCreate, WorkflowUpdate


def _nested(error: ValidationFailed, prefix: str) -> ValidationFailed:
    """Errors about a definition, pointed at where it sits in the request body."""
    return ValidationFailed(
        error.detail,
        errors=[FieldError(e.detail, pointer=prefix + (e.pointer or "")) for e in error.errors],
    )


async def install_defaults(session: AsyncSession, tenant_id: int) -> None:
    """The four seed-vocabulary workflows every tenant starts with."""
    for workflow in DEFAULT_WORKFLOWS:
        record = WorkflowRecord(
            tenant_id=tenant_id,
            account_id=None,
            key=workflow.key,
            name=workflow.name,
            current_version=1,
            is_default=workflow.key == TENANT_DEFAULT_KEY,
        )
        session.add(record)
        await session.flush()
        session.add(
            WorkflowVersion(
                tenant_id=tenant_id,
                workflow_id=record.id,
                number=1,
                definition=workflow.to_definition(),
                created_by="system",
            )
        )
    await session.flush()


async def _owner(session: AsyncSession, requested: int | None, principal: Principal) -> int | None:
    principal.require(Role.ADMIN, Role.SUPPLIER)
    if principal.is_admin and requested is None:
        return None  # tenant-wide
    account_id = principal.owning_account(requested)
    await account_of_kind(
        session, account_id, AccountKind.SUPPLIER, principal=principal, pointer="/account_id"
    )
    return account_id


def _may_edit(record: WorkflowRecord, principal: Principal) -> None:
    principal.require(Role.ADMIN, Role.SUPPLIER)
    if not principal.is_admin and record.account_id != principal.account_id:
        raise Forbidden("only the supplier that owns this workflow (or an admin) may change it")


async def _make_default(session: AsyncSession, record: WorkflowRecord) -> None:
    owner = (
        WorkflowRecord.account_id.is_(None)
        if record.account_id is None
        else WorkflowRecord.account_id == record.account_id
    )
    await session.execute(
        update(WorkflowRecord)
        .where(WorkflowRecord.tenant_id == record.tenant_id, owner, WorkflowRecord.id != record.id)
        .values(is_default=False, version=WorkflowRecord.version + 1)
        .execution_options(synchronize_session=False)
    )
    record.is_default = True


async def create_workflow(
    session: AsyncSession, data: WorkflowCreate, *, principal: Principal
) -> WorkflowRecord:
    account_id = await _owner(session, data.account_id, principal)
    try:
        graph = parse_workflow(data.definition)
    except ValidationFailed as error:
        raise _nested(error, "/definition") from error
    taken = (
        await session.scalars(
            select(WorkflowRecord.id).where(
                WorkflowRecord.tenant_id == principal.tenant_id,
                WorkflowRecord.key == graph.key,
            )
        )
    ).first()
    if taken is not None:
        raise ValidationFailed(
            f"a workflow with key {graph.key!r} exists",
            errors=[
                FieldError(
                    "must be unique in the tenant; save a new version of the existing"
                    " workflow instead",
                    pointer="/definition/key",
                )
            ],
        )
    record = WorkflowRecord(
        tenant_id=principal.tenant_id,
        account_id=account_id,
        key=graph.key,
        name=graph.name,
        current_version=1,
        is_default=False,
    )
    session.add(record)
    await session.flush()
    session.add(
        WorkflowVersion(
            tenant_id=principal.tenant_id,
            workflow_id=record.id,
            number=1,
            definition=graph.to_definition(),
            created_by=principal.actor,
        )
    )
    if data.is_default:
        await _make_default(session, record)
    await session.flush()
    return record


async def load_workflow(
    session: AsyncSession, workflow_id: int, *, principal: Principal, for_update: bool = False
) -> WorkflowRecord:
    return await get_visible(
        session, WorkflowRecord, workflow_id, principal, kind="workflow", for_update=for_update
    )


async def update_workflow(
    session: AsyncSession,
    workflow_id: int,
    data: WorkflowUpdate,
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> WorkflowRecord:
    """A new definition becomes a new version; orders keep the version they started with."""
    record = await load_workflow(session, workflow_id, principal=principal, for_update=True)
    _may_edit(record, principal)
    check_version("workflow", record, expected_version)
    if data.definition is not None:
        try:
            graph = parse_workflow(data.definition)
        except ValidationFailed as error:
            raise _nested(error, "/definition") from error
        if graph.key != record.key:
            raise ValidationFailed(
                "a workflow's key does not change",
                errors=[FieldError(f"must be {record.key!r}", pointer="/definition/key")],
            )
        record.current_version += 1
        record.name = graph.name
        session.add(
            WorkflowVersion(
                tenant_id=record.tenant_id,
                workflow_id=record.id,
                number=record.current_version,
                definition=graph.to_definition(),
                created_by=principal.actor,
            )
        )
    if data.is_default:
        await _make_default(session, record)
    elif data.is_default is False:
        record.is_default = False
    await session.flush()
    return record


async def import_workflow(
    session: AsyncSession,
    definition: dict[str, Any],
    *,
    principal: Principal,
    account_id: int | None = None,
    is_default: bool = False,
) -> WorkflowRecord:
    """Create the workflow named by the document's key, or save it as a new version."""
    key = definition.get("key") if isinstance(definition, dict) else None
    existing = None
    if isinstance(key, str):
        existing = await workflow_by_key(session, key, principal=principal)
    if existing is None:
        return await create_workflow(
            session,
            WorkflowCreate(
                definition=copy.deepcopy(definition), account_id=account_id, is_default=is_default
            ),
            principal=principal,
        )
    return await update_workflow(
        session,
        existing.id,
        WorkflowUpdate(definition=copy.deepcopy(definition), is_default=is_default or None),
        principal=principal,
    )


async def version_of(
    session: AsyncSession, record: WorkflowRecord, number: int | None = None
) -> WorkflowVersion:
    if number is not None and not 1 <= number <= INT32_MAX:  # names none; a 32-bit column
        raise not_found(f"version of workflow {record.id}", number)
    version = await find_version(session, record, number)
    if version is None:
        raise not_found(f"version of workflow {record.id}", number)
    return version


async def check_usable(
    session: AsyncSession,
    workflow_id: int,
    *,
    owner_account_id: int,
    principal: Principal,
    pointer: str = "/workflow_id",
) -> None:
    """A product may carry a tenant-wide workflow or one of its own supplier's."""
    record = await find_in_tenant(
        session,
        WorkflowRecord,
        workflow_id,
        tenant_id=principal.tenant_id,
        where=[
            or_(WorkflowRecord.account_id.is_(None), WorkflowRecord.account_id == owner_account_id)
        ],
    )
    if record is None:
        raise ValidationFailed(
            f"no workflow {workflow_id} usable here",
            errors=[
                FieldError(
                    "must be the id of a tenant-wide workflow or one of this supplier's",
                    pointer=pointer,
                )
            ],
        )
