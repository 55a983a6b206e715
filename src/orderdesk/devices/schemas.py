from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import MISSING, Field

from orderdesk.catalog.schemas import ItemRead
from orderdesk.devices.models import DeviceStatus
from orderdesk.parties.schemas import PatientRead, SiteRead
from orderdesk.privacy import PHI_NOTE, WITHHELD
from orderdesk.schemas import LIST_MAX, Code, Id, Input, Instant, Output, Timestamped, not_null


class DeviceIdentifierIn(Input):
    type: Code = Field(description="The kind of identifier, e.g. IMEI, MAC, UDI")
    value: Code


Identifiers = Annotated[
    list[DeviceIdentifierIn],
    Field(
        max_length=LIST_MAX,
        description="Each `(type, value)` unique among the supplier's devices (compared exactly)",
    ),
]


class DeviceCreate(Input):
    account_id: Id | None = None  # the supplier's own; an admin names the supplier
    item_id: Id = Field(description="The item (model) this device is a unit of")
    external_identifier: Code | None = Field(default=None, description="E.g. the serial number")
    identifiers: Identifiers = []
    current_status: DeviceStatus = DeviceStatus.IN_STOCK
    current_patient_id: Id | None = Field(
        default=None, description="The patient who has it now (not with `site_id`)"
    )
    site_id: Id | None = Field(
        default=None, description="The site that has it now (not with `current_patient_id`)"
    )
    last_health_check: Instant | None = None
    disabled_readings: bool = False
    used: bool = False


class DeviceUpdate(Input):
    item_id: Id | None = None
    external_identifier: Code | None = None
    identifiers: Identifiers | None = Field(default=None, description="Replaces the whole list")
    current_status: DeviceStatus | None = None
    current_patient_id: Id | None = None
    site_id: Id | None = None
    last_health_check: Instant | None = None
    disabled_readings: bool | None = None
    used: bool | None = None

    _required = not_null("item_id", "identifiers", "current_status", "disabled_readings", "used")


class DeviceEventCreate(Input):
    type: Code = Field(description="What happened, e.g. `health_check`, `shipped`")
    occurred_at: Instant | None = Field(
        default=None, description="When it happened; by default, when it is recorded"
    )


class DeviceIdentifierRead(Output):
    type: str
    value: str


class DeviceEventRead(Output):
    id: int
    device_id: int
    type: str
    occurred_at: dt.datetime
    actor: str
    credential_id: int | None
    recorded_at: dt.datetime


class DeviceRead(Timestamped):
    id: int
    account_id: int = Field(description="The supplier that owns the device")
    item_id: int
    item: ItemRead
    external_identifier: str | None
    identifiers: list[DeviceIdentifierRead]
    current_status: DeviceStatus
    current_patient_id: int | MISSING | None = Field(
        default=WITHHELD, description=f"The patient who has it now ({PHI_NOTE})"
    )
    current_patient: PatientRead | MISSING | None = Field(
        default=WITHHELD,
        description=f"The patient who has it now, if the caller may see that patient ({PHI_NOTE})",
    )
    site_id: int | None
    site: SiteRead | None = Field(description="The site that has it now, if the caller may see it")
    last_health_check: dt.datetime | None
    disabled_readings: bool
    used: bool
    events: list[DeviceEventRead] = Field(description="Oldest first")
