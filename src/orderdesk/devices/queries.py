"""Reading devices: their list, and a device's events page by page."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.devices.models import Device, DeviceEvent, DeviceIdentifier, DeviceStatus
from orderdesk.devices.service import device_load
from orderdesk.pagination import Page, paginate, where_given
from orderdesk.schemas import CODE_MAX, Id
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import get_visible, select_visible

DEVICE_SORTS = {"id": Device.id, "created_at": Device.created_at, "updated_at": Device.updated_at}


class DeviceFilter(BaseModel):
    """What a device list may be narrowed to; None: any."""

    # Bounded like every id, so the database can bind them.
    account_id: Id | None = Field(default=None, description="The owning supplier")
    item_id: Id | None = None
    status: DeviceStatus | None = Field(default=None, description="`current_status`")
    patient_id: Id | None = Field(default=None, description="`current_patient_id`")
    site_id: Id | None = None
    external_identifier: str | None = Field(default=None, max_length=CODE_MAX)
    identifier: str | None = Field(
        default=None, max_length=CODE_MAX, description="The value of one of its identifiers"
    )
    identifier_type: str | None = Field(
        default=None, max_length=CODE_MAX, description="The type of one of its identifiers"
    )


async def list_devices(
    session: AsyncSession,
    *,
    principal: Principal,
    f: DeviceFilter,
    sort: str,
    cursor: str | None,
    limit: int,
) -> Page[Device]:
    stmt = where_given(
        select_visible(Device, principal).options(*device_load(principal)),
        (Device.account_id, f.account_id),
        (Device.item_id, f.item_id),
        (Device.current_status, f.status),
        (Device.current_patient_id, f.patient_id),
        (Device.site_id, f.site_id),
        (Device.external_identifier, f.external_identifier),
    )
    if f.identifier is not None or f.identifier_type is not None:
        # One identifier matching both, when both are given.
        having = where_given(
            select(DeviceIdentifier.device_id).where(
                DeviceIdentifier.tenant_id == principal.tenant_id
            ),
            (DeviceIdentifier.value, f.identifier),
            (DeviceIdentifier.type, f.identifier_type),
        )
        stmt = stmt.where(Device.id.in_(having))
    return await paginate(
        session,
        stmt,
        id_column=Device.id,
        sort_columns=DEVICE_SORTS,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


async def device_events(
    session: AsyncSession,
    device_id: int,
    *,
    principal: Principal,
    cursor: str | None,
    limit: int,
) -> Page[DeviceEvent]:
    """The events of a device the principal may see, oldest first (as the device shows them)."""
    device = await get_visible(session, Device, device_id, principal, kind="device")
    stmt = select(DeviceEvent).where(
        DeviceEvent.tenant_id == device.tenant_id, DeviceEvent.device_id == device.id
    )
    return await paginate(
        session,
        stmt,
        id_column=DeviceEvent.id,
        sort_columns={"occurred_at": DeviceEvent.occurred_at},
        sort="occurred_at",
        cursor=cursor,
        limit=limit,
    )
