"""Which workflow an order follows, and the graph of the version it is pinned to.

Versions never change once saved, so their parsed graphs are cached per
process: the cache is an optimisation, never a source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select
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
    #: What other modules derive from this version (it never changes), built once each.
    derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

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


async def workflow_for_new_order(
    session: AsyncSession, *, tenant_id: int, supplier_account_id: int, product_id: int | None
) -> PinnedWorkflow:
    """The product's workflow, else the supplier's default, else the tenant's default: the
    current version of the first found, in one query."""
    current = (
        select(WorkflowVersion.id)
        .join(
            WorkflowRecord,
            and_(
                WorkflowVersion.tenant_id == WorkflowRecord.tenant_id,
                WorkflowVersion.workflow_id == WorkflowRecord.id,
                WorkflowVersion.number == WorkflowRecord.current_version,
            ),
        )
        .where(WorkflowRecord.tenant_id == tenant_id)
    )
    defaults = or_(
        WorkflowRecord.account_id == supplier_account_id, WorkflowRecord.account_id.is_(None)
    )
    choices = [and_(WorkflowRecord.is_default.is_(True), defaults)]
    # First the product's, then the supplier's default, then the tenant's.
    rank = [WorkflowRecord.account_id.is_(None), WorkflowRecord.id]
    if product_id is not None:
        products = select(Product.workflow_id).where(
            Product.tenant_id == tenant_id, Product.id == product_id
        )
        choices.append(WorkflowRecord.id.in_(products.scalar_subquery()))
        rank.insert(0, WorkflowRecord.id.not_in(products.scalar_subquery()))
    version_id = await session.scalar(current.where(or_(*choices)).order_by(*rank).limit(1))
    if version_id is None:
        raise LookupError(f"tenant {tenant_id} has no default workflow")
    return await pinned(session, version_id, tenant_id=tenant_id)
