"""What must exist before the first request: the default tenant, the environment's admin key."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orderdesk.config import Settings
from orderdesk.db import session_scope
from orderdesk.tenancy.service import ensure_secret_credential, ensure_tenant


async def bootstrap(factory: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """Make what must exist; the default tenant's id (where refusals before any
    credential is known are audited)."""
    async with session_scope(factory) as session:
        tenant = await ensure_tenant(session, settings.default_tenant)
        if settings.admin_key is not None:
            await ensure_secret_credential(session, tenant, settings.admin_key.get_secret_value())
    return tenant.id
