"""Which workflow an order follows.

For now every order follows the tenant's default workflow, kept as data in
``defaults``; per-product, versioned workflows stored in the database plug in
here without touching the order service.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.workflow.defaults import DEFAULT_WORKFLOWS, TENANT_DEFAULT_KEY
from orderdesk.workflow.graph import Workflow

_BY_KEY = {workflow.key: workflow for workflow in DEFAULT_WORKFLOWS}


async def workflow_for_new_order(
    session: AsyncSession, *, tenant_id: int, supplier_account_id: int, product_id: int | None
) -> Workflow:
    return _BY_KEY[TENANT_DEFAULT_KEY]


async def workflow_by_key(session: AsyncSession, *, tenant_id: int, key: str) -> Workflow:
    return _BY_KEY[key]
