"""Which workflow an order follows, and the graph of the version it is pinned to.

Versions never change once saved, so their parsed graphs are cached per
process: the cache is an optimisation, never a source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.catalog.models import Product
from orderdesk.workflow.graph import Workflow
from orderdesk.workflow.models import WorkflowRecord, WorkflowVersion
from orderdesk.workflow.parse import parse_workflow


@dataclass(frozen=True)
class PinnedWorkflow:
    """A workflow graph together with the stored version it came from."""

    version_id: int
    number: int
    graph: Workflow

    @property
    def key(self) -> str:
        return self.graph.key


_parsed: dict[tuple[int, int], PinnedWorkflow] = {}


async def pinned(session: AsyncSession, version_id: int, *, tenant_id: int) -> PinnedWorkflow:
    """The tenant's workflow version with this id, parsed once per process."""
    found = _parsed.get((tenant_id, version_id))
    if found is None:
        version = (
            await session.scalars(
                select(WorkflowVersion).where(
                    WorkflowVersion.tenant_id == tenant_id, WorkflowVersion.id == version_id
                )
            )
        ).one()
        found = PinnedWorkflow(
            version_id=version.id, number=version.number, graph=parse_workflow(version.definition)
        )
        _parsed[(tenant_id, version_id)] = found
    return found


async def current_version_id(session: AsyncSession, record: WorkflowRecord) -> int:
    return (
        await session.scalars(
            select(WorkflowVersion.id).where(
                WorkflowVersion.tenant_id == record.tenant_id,
                WorkflowVersion.workflow_id == record.id,
                WorkflowVersion.number == record.current_version,
            )
        )
    ).one()


async def workflow_for_new_order(
    session: AsyncSession, *, tenant_id: int, supplier_account_id: int, product_id: int | None
) -> PinnedWorkflow:
    """The product's workflow, else the supplier's default, else the tenant's default."""
    record: WorkflowRecord | None = None
    if product_id is not None:
        record = (
            await session.scalars(
                select(WorkflowRecord)
                .join(Product, Product.workflow_id == WorkflowRecord.id)
                .where(Product.tenant_id == tenant_id, Product.id == product_id)
            )
        ).one_or_none()
    for owner in (supplier_account_id, None):
        if record is not None:
            break
        record = (
            await session.scalars(
                select(WorkflowRecord).where(
                    WorkflowRecord.tenant_id == tenant_id,
                    WorkflowRecord.account_id.is_(None)
                    if owner is None
                    else WorkflowRecord.account_id == owner,
                    WorkflowRecord.is_default.is_(True),
                )
            )
        ).first()
    if record is None:
        raise LookupError(f"tenant {tenant_id} has no default workflow")
    return await pinned(
        session, await current_version_id(session, record), tenant_id=record.tenant_id
    )
