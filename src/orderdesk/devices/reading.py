"""The one step a device becomes what a caller sees: who has it only with ``phi:read``
(and then noted as disclosed, for the request's audit record)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.devices.models import Device
from orderdesk.devices.schemas import DeviceRead
from orderdesk.privacy import HOLDER_PHI, disclosures, withhold
from orderdesk.tenancy.principal import Principal


def read_device(session: AsyncSession, device: Device, principal: Principal) -> DeviceRead:
    """``device`` as ``principal`` sees it."""
    read = DeviceRead.model_validate(device)
    if not principal.sees_phi:
        return withhold(read, HOLDER_PHI)
    if isinstance(read.current_patient_id, int):
        shown = disclosures(session)
        shown.devices.add(read.id)
        shown.patients.add(read.current_patient_id)
    return read
