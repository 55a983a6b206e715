"""What each timeline event says: one payload model per :class:`EventKind`.

These are the contract of the timeline's ``data`` (and of the webhooks that will publish
the same events). ``OrderEvent.data`` stores a payload's JSON dump.

Events are append-only and never migrated, so the events recorded before these models
existed lack the keys added with them (``by``, ``status_name``, ``from_name``,
``to_name``): those keys are optional and read as null there. A key added later must be
optional (or defaulted) for the same reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import MISSING, BaseModel, ConfigDict, Field

from orderdesk.orders.models import Change, EventKind
from orderdesk.tenancy.models import Role
from orderdesk.tenancy.principal import Principal


class _Payload(BaseModel):
    # ``from`` is a Python keyword: the field is ``from_``, its key ``from`` (dump by alias).
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class Actor(_Payload):
    """Who acted: the calling principal when the event was recorded (its credential may
    be gone since)."""

    name: str = Field(description="The credential's name")
    role: Role
    account_id: int | None = Field(description="The account it acted for (null: an admin)")
    credential_id: int | None = Field(description="null: the service itself (CLI, demo data)")
    client: str | None = Field(
        default=None, description="The calling client's id, where a surface reported one"
    )

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(
            name=principal.name,
            role=principal.role,
            account_id=principal.account_id,
            credential_id=principal.credential_id,
            client=principal.client,
        )


class EventPayload(_Payload):
    """What every payload carries."""

    kind: ClassVar[EventKind]

    by: Actor | None = Field(
        default=None, description="Who acted (null on events recorded before it was kept)"
    )


class OrderCreated(EventPayload):
    """The ``data`` of a ``created`` event: the order was placed."""

    kind = EventKind.CREATED

    status: str = Field(description="The id of the state it started in")
    status_name: str | None = Field(default=None, description="That state's name")
    workflow: str = Field(description="The key of the workflow it follows")
    workflow_version: int = Field(description="The version of that workflow it keeps")
    project_id: int
    lines: int = Field(description="How many lines it was placed with")


class FieldChange(_Payload):
    """One edited field: its value before and after."""

    # Withheld (left out) where the field is PHI and the caller lacks phi:read.
    from_: Any | MISSING = Field(default=MISSING, alias="from")
    to: Any | MISSING = MISSING


class OrderChanged(EventPayload):
    """The ``data`` of a ``changed`` event: fields were edited (only those whose value
    really changed)."""

    kind = EventKind.CHANGED

    fields: dict[str, FieldChange]

    @classmethod
    def of(cls, diff: Mapping[str, Change]) -> OrderChanged:
        return cls(fields={f: FieldChange(from_=c.before, to=c.after) for f, c in diff.items()})


class OrderStatusMoved(EventPayload):
    """The ``data`` of a ``status_moved`` event: a workflow move."""

    kind = EventKind.STATUS_MOVED

    from_: str = Field(alias="from", description="The id of the state it left")
    to: str = Field(description="The id of the state it entered")
    reason: str | None
    from_name: str | None = Field(default=None, description="The name of the state it left")
    to_name: str | None = Field(default=None, description="The name of the state it entered")


class OrderCancelled(OrderStatusMoved):
    """The ``data`` of a ``cancelled`` event: a move to a state whose outcome is cancelled."""

    kind = EventKind.CANCELLED


class NoteAdded(EventPayload):
    """The ``data`` of a ``note_added`` event."""

    kind = EventKind.NOTE_ADDED

    note_id: int
    text: str


class TrackingAdded(EventPayload):
    """The ``data`` of a ``tracking_added`` event."""

    kind = EventKind.TRACKING_ADDED

    carrier: str
    value: str


class DevicesAssigned(EventPayload):
    """The ``data`` of a ``devices_assigned`` event: devices were assigned to the order."""

    kind = EventKind.DEVICES_ASSIGNED

    device_ids: list[int] = Field(description="The devices assigned, as the request listed them")


class DeviceUnassigned(EventPayload):
    """The ``data`` of a ``device_unassigned`` event: a device was taken off the order."""

    kind = EventKind.DEVICE_UNASSIGNED

    device_id: int


class KitPacked(EventPayload):
    """The ``data`` of a ``kit_packed`` event: an ordered kit was packed with devices."""

    kind = EventKind.KIT_PACKED

    packed_kit_id: int
    kit_id: int
    external_identifier: str | None
    device_ids: list[int] = Field(description="The devices packed in it")


class KitUnpacked(EventPayload):
    """The ``data`` of a ``kit_unpacked`` event: a packed kit was taken apart; its devices
    stay assigned to the order."""

    kind = EventKind.KIT_UNPACKED

    packed_kit_id: int
    kit_id: int


class ReturnsReceived(EventPayload):
    """The ``data`` of a ``returns_received`` event: the supplier recorded what came back."""

    kind = EventKind.RETURNS_RECEIVED

    device_ids: list[int] = Field(description="The devices received, now returned")
    packed_kit_ids: list[int] = Field(description="The packed kits received")
    item_ids: list[int] = Field(description="The items received")


Payload = (
    OrderCreated
    | OrderChanged
    | OrderStatusMoved
    | OrderCancelled
    | NoteAdded
    | TrackingAdded
    | DevicesAssigned
    | DeviceUnassigned
    | KitPacked
    | KitUnpacked
    | ReturnsReceived
)

PAYLOADS: dict[EventKind, type[Payload]] = {
    model.kind: model
    for model in (
        OrderCreated,
        OrderChanged,
        OrderStatusMoved,
        OrderCancelled,
        NoteAdded,
        TrackingAdded,
        DevicesAssigned,
        DeviceUnassigned,
        KitPacked,
        KitUnpacked,
        ReturnsReceived,
    )
}


def payload_of(kind: EventKind, data: Mapping[str, Any]) -> Payload:
    """A stored event's ``data`` as the model of its kind."""
    return PAYLOADS[kind].model_validate(data)


def state_reached(payload: Payload) -> str | None:
    """The id of the state a status update put the order in: the state it was placed in,
    or the one a move entered; None for an event that is no status update."""
    if isinstance(payload, OrderCreated):
        return payload.status
    if isinstance(payload, OrderStatusMoved):  # cancels included
        return payload.to
    return None
