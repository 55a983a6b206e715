"""Impilo's request and response models (seeds 002, 003), with its camelCase names.

The request model checks only the shape of Impilo's JSON (types, and that every
referenced object has an ``id``); every rule about the values (bounds, existence,
orderability, patient *and* site) is the core's, reached through ``OrderCreate``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class _Vendor(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class _Reference(_Vendor):
    """Impilo sends whole model objects where it means "this one"; only ``id`` is read,
    the rest (a patient's ``firstName``, a kit's ``kitItems``...) is ignored."""

    model_config = ConfigDict(extra="ignore")


class Ref(_Reference):
    id: int = Field(description="The id of an existing patient, site, item or kit")


class OrderItemIn(_Reference):
    count: int | None = Field(default=None, description="How many; 1 when omitted")
    item: Ref


class OrderKitIn(_Reference):
    count: int | None = Field(default=None, description="How many; 1 when omitted")
    kit: Ref


class OrderNoteIn(_Reference):
    note: str


class ReturnItemIn(_Reference):
    id: int = Field(description="The item's id")
    count: int | None = None


class ReturnDeviceIn(_Reference):
    id: int = Field(description="The device's id")


class ReturnPackedKitIn(_Reference):
    id: int = Field(description="The packed kit's id")
    quantity: int | None = None


class ImpiloOrderCreate(_Vendor):
    """``POST /order``: every request attribute of the reference (003) and the guide (002).

    ``id``, ``currentStatus``, ``orderEvents``, ``trackingNumbers``, ``devices`` and
    ``packedKits`` belong to the server: they are accepted (a client may send back an
    order it read) and ignored. Any other unknown attribute is a 400 naming it.
    """

    model_config = ConfigDict(extra="forbid")

    external_order_ids: list[str] | None = None
    patient: Ref | None = Field(default=None, description="Exactly one of patient or site")
    site: Ref | None = Field(default=None, description="Exactly one of patient or site")
    order_items: list[OrderItemIn] | None = Field(
        default=None, description="At least one of orderItems or orderKits"
    )
    order_kits: list[OrderKitIn] | None = Field(
        default=None, description="At least one of orderItems or orderKits"
    )
    shipping_option: str | None = Field(default=None, description='"standard" or "overnight"')
    email_label: bool | None = Field(default=None, description="Email the return label")
    order_notes: list[OrderNoteIn] | None = None
    return_items: list[ReturnItemIn] | None = None
    return_devices: list[ReturnDeviceIn] | None = None
    return_packed_kits: list[ReturnPackedKitIn] | None = None

    # Server-owned: accepted, never read.
    id: Any = Field(default=None, description="Ignored: the server assigns the id")
    current_status: Any = Field(default=None, description="Ignored: a new order starts new")
    order_events: Any = Field(default=None, description="Ignored: the server records them")
    tracking_numbers: Any = Field(default=None, description="Ignored: the supplier adds them")
    devices: Any = Field(default=None, description="Ignored")
    packed_kits: Any = Field(default=None, description="Ignored")


# Responses: the full order model of the guide (002).


class AddressOut(_Vendor):
    city: str | None
    country: str | None
    line_one: str | None
    state: str | None
    zip_code: str | None
    line_three: str | None
    line_two: str | None
    note: str | None


class SiteOut(_Vendor):
    active: bool
    address: AddressOut | None
    id: int
    name: str
    phone_number: str | None


class PatientOut(_Vendor):
    # Names and birth date are PHI: optional, for when the read model withholds them.
    first_name: str | None
    last_name: str | None
    address: AddressOut | None
    archived: bool
    date_of_birth: str | None = Field(description="YYYY-MM-DD")
    email: str | None
    enrolled: bool
    external_identifier: str | None
    id: int
    phone_number: str | None
    sex: str
    site: SiteOut | None = Field(description="The patient's own site")


class ManufacturerOut(_Vendor):
    id: int
    name: str


class ItemOut(_Vendor):
    id: int
    manufacturer: ManufacturerOut | None
    model: str | None
    name: str
    orderable: bool
    sku: str


class KitItemOut(_Vendor):
    count: int
    drives_external_identifier: bool
    item: ItemOut


class KitOut(_Vendor):
    archived: bool
    id: int
    kit_items: list[KitItemOut]
    name: str


class OrderItemOut(_Vendor):
    count: int
    item: ItemOut


class OrderKitOut(_Vendor):
    count: int
    kit: KitOut


class EventOut(_Vendor):
    event_timestamp: str = Field(description='ISO 8601 UTC, like "2023-10-01T12:00:00Z"')
    name: str = Field(
        description="The Impilo status the order moved to, or the kind of event "
        "(note_added, tracking_added, changed)"
    )


class NoteAuthorOut(_Vendor):
    """The account that wrote the note; "" where unknown (a note by an admin or system key)."""

    email: str = Field(description="The account's contact email")
    first_name: str = Field(description="The account's contact's given name")
    id: int | None = Field(description="The credential's id (null: the service itself)")
    last_name: str = Field(description="The account's contact's family name")


class NoteOut(_Vendor):
    created_at: str
    created_by: NoteAuthorOut
    note: str


class TrackingOut(_Vendor):
    carrier: str
    value: str


class ReturnItemOut(_Vendor):
    count: int
    id: int


class ReturnDeviceOut(_Vendor):
    id: int


class ReturnPackedKitOut(_Vendor):
    id: int
    quantity: int


class DeviceEventOut(_Vendor):
    event_timestamp: str = Field(description='ISO 8601 UTC, like "2023-10-01T12:00:00Z"')
    type: str


class DeviceIdentifierOut(_Vendor):
    type: str
    value: str


class DeviceOut(_Vendor):
    current_patient: PatientOut | None = Field(description="Who has it now, if a patient")
    current_status: str = Field(description="in_stock, assigned, shipped, with_patient...")
    device_events: list[DeviceEventOut]
    device_identifiers: list[DeviceIdentifierOut]
    disabled_readings: bool
    external_identifier: str | None
    id: int
    item: ItemOut
    last_health_check: str | None = Field(description='ISO 8601 UTC, like "2023-10-01T12:00:00Z"')
    site: SiteOut | None = Field(description="Where it is now, if at a site")
    used: bool


class PackedKitOut(_Vendor):
    devices: list[DeviceOut] = Field(description="The devices packed in the kit")
    external_identifier: str | None
    id: int
    kit: KitOut


class ImpiloOrder(_Vendor):
    current_status: str
    devices: list[DeviceOut] = Field(
        description="The devices sent on the order outside a packed kit"
    )
    email_label: bool
    external_order_ids: list[str]
    id: int
    order_events: list[EventOut]
    order_items: list[OrderItemOut]
    order_kits: list[OrderKitOut]
    order_notes: list[NoteOut]
    packed_kits: list[PackedKitOut] = Field(description="The kits packed for the order")
    patient: PatientOut | None = Field(description="Null when the order is for a site")
    return_devices: list[ReturnDeviceOut]
    return_items: list[ReturnItemOut]
    return_packed_kits: list[ReturnPackedKitOut]
    shipping_option: str
    site: SiteOut | None = Field(description="Null when the order is for a patient")
    tracking_numbers: list[TrackingOut]


class ImpiloOrderPage(_Vendor):
    content: list[ImpiloOrder]
    first: bool
    last: bool
    page: int = Field(description="The page number, from 1")
    size: int = Field(description="The page size asked for")
    total: int = Field(description="How many orders there are in all")


class ErrorEntry(BaseModel):
    detail: str
    pointer: str | None = Field(default=None, description="JSON Pointer into the request body")
    parameter: str | None = Field(default=None, description="A query, path or header parameter")


class ImpiloError(BaseModel):
    """Every error of these routes (see the routes module)."""

    timestamp: str
    status: int
    error: str = Field(description='The status\'s reason phrase, e.g. "Bad Request"')
    code: str = Field(description="validation_failed, item_not_orderable, not_found, ...")
    message: str
    path: str
    errors: list[ErrorEntry]
