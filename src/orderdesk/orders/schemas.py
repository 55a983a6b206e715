from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    MISSING,
    AliasChoices,
    ConfigDict,
    Field,
    StringConstraints,
    field_serializer,
    model_validator,
)

from orderdesk.catalog.schemas import ItemRead, KitRead, ProductRead
from orderdesk.devices.schemas import DeviceRead
from orderdesk.orders.events import PAYLOADS, Payload, payload_of
from orderdesk.orders.models import EventKind, ShippingOption
from orderdesk.parties.schemas import PatientRead, SiteRead
from orderdesk.privacy import PHI_NOTE, WITHHELD
from orderdesk.schemas import (
    LIST_MAX,
    SAID,
    Address,
    AddressOut,
    Code,
    Count,
    CustomData,
    Id,
    Input,
    LongText,
    Output,
    not_null,
)

CodeList = Annotated[list[Code], Field(max_length=LIST_MAX)]
#: A case's treatment plan: objects bounded like ``data``.
Treatments = Annotated[list[CustomData], Field(max_length=LIST_MAX)]
NoteText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000, pattern=SAID)
]
Comment = Annotated[str, StringConstraints(max_length=1000)]
Comments = Annotated[
    list[Comment], Field(max_length=50, description="Short remarks, replaced whole")
]


class ReturnItem(Input):
    item_id: Id
    count: Count = 1


class ReturnDevice(Input):
    device_id: Id


class ReturnPackedKit(Input):
    packed_kit_id: Id
    quantity: Count = 1


class Returns(Input):
    """What the recipient sends back with this order."""

    items: Annotated[list[ReturnItem], Field(max_length=LIST_MAX)] = []
    devices: Annotated[list[ReturnDevice], Field(max_length=LIST_MAX)] = []
    packed_kits: Annotated[list[ReturnPackedKit], Field(max_length=LIST_MAX)] = []


Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class OrderLineIn(Input):
    """Exactly one of ``item_id``, ``kit_id``, ``product_id``, a number of times."""

    # ``_one_target``, for the document.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": [name], "properties": {name: {"type": "integer"}}}
                for name in ("item_id", "kit_id", "product_id")
            ]
        }
    )

    item_id: Id | None = None
    kit_id: Id | None = None
    product_id: Id | None = None
    count: Count = 1
    suite_codes: CodeList = []
    determination_codes: CodeList = []
    data: CustomData = {}

    @model_validator(mode="after")
    def _one_target(self) -> OrderLineIn:
        given = [f for f in ("item_id", "kit_id", "product_id") if getattr(self, f) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of item_id, kit_id, product_id")
        return self


class OrderCreate(Input):
    customer_account_id: Id | None = Field(
        default=None, description="Required for admins; a customer key orders for its own account"
    )
    supplier_account_id: Id | None = Field(
        default=None, description="Defaults to the supplier of the ordered catalog entries"
    )
    patient_id: Id | None = None
    site_id: Id | None = None
    product_id: Id | None = Field(
        default=None, description="The product the order is for; its price is snapshotted"
    )
    lines: Annotated[list[OrderLineIn], Field(max_length=LIST_MAX)] = []
    external_order_ids: Annotated[list[Code], Field(max_length=20)] = []
    tags: Annotated[list[Code], Field(max_length=50)] = []
    data: CustomData = {}
    medical_records: CustomData = Field(
        default={}, description="The patient's medical records for the case (PHI)"
    )
    treatments: Treatments = Field(default=[], description="The treatments planned (PHI)")
    memo: LongText | None = None
    shipping_option: ShippingOption = ShippingOption.STANDARD
    shipping_address: Address | None = None
    billing_address: Address | None = None
    project_id: Id | None = Field(
        default=None, description="The customer's project; a new one is made when omitted"
    )
    schema_name: Code | None = Field(
        default=None, description="The order schema `data` must satisfy"
    )
    email_label: bool = Field(default=False, description="Email the return label")
    comments: Comments = []
    returns: Returns | None = None
    notes: Annotated[list[NoteText], Field(max_length=20)] = Field(
        default=[], description="Notes to add as the order is placed"
    )


class OrderUpdate(Input):
    external_order_ids: Annotated[list[Code], Field(max_length=20)] | None = None
    tags: Annotated[list[Code], Field(max_length=50)] | None = None
    data: CustomData | None = None
    medical_records: CustomData | None = None
    treatments: Treatments | None = None
    memo: LongText | None = None
    shipping_option: ShippingOption | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    email_label: bool | None = None
    comments: Comments | None = None
    returns: Returns | None = Field(
        default=None,
        description="Replaces what comes back with the order; checked as on create. "
        "What was received already must stay listed",
    )

    # Omitted means "leave as is"; null cannot clear a field every order has.
    _always_set = not_null(
        "external_order_ids",
        "tags",
        "data",
        "medical_records",
        "treatments",
        "shipping_option",
        "email_label",
        "comments",
        "returns",
    )


class NoteCreate(Input):
    text: NoteText


class TrackingNumberCreate(Input):
    carrier: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50, pattern=SAID)
    ]
    value: Code


class CancelRequest(Input):
    reason: Reason | None = None


class TransitionRequest(Input):
    to: Code
    reason: Reason | None = None


class StatusRead(Output):
    id: str
    name: str
    type: str
    outcome: str | None
    code: int | None = Field(
        default=None, description="Stable numeric code, where the workflow has one"
    )
    terms: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "What each status vocabulary calls this state (impilo, labportal, rso, "
            "fhir_task): declared by the workflow, else derived from its type and outcome"
        ),
    )


class TransitionRead(Output):
    to: str
    name: str
    reason_required: bool


class WorkflowRef(Output):
    key: str
    version: int
    states: list[StatusRead] = Field(description="Every state of the order's workflow version")


class ProductSnapshot(Output):
    id: int | None
    name: str | None
    price: Decimal | None
    currency: str | None
    discount: str | None


class OrderLineRead(Output):
    id: int
    item: ItemRead | None
    kit: KitRead | None
    product: ProductRead | None
    count: int
    suite_codes: list[str]
    determination_codes: list[str]
    data: dict[str, Any]


class NoteRead(Output):
    id: int
    author: str
    credential_id: int | None = Field(
        default=None, description="The credential that wrote the note (null: the service itself)"
    )
    author_account: AccountSummary | None = Field(
        default=None,
        validation_alias=AliasChoices("author_account", "account"),  # ORM: ``OrderNote.account``
        description="The account that wrote the note (null: an admin or system key)",
    )
    text: str
    created_at: dt.datetime


class TrackingNumberRead(Output):
    id: int
    carrier: str
    value: str
    created_at: dt.datetime


class AccountSummary(Output):
    id: int
    name: str
    contact_person: str | None
    contact_given_name: str | None
    contact_family_name: str | None
    email: str | None
    phone_number: str | None


class OrderPatientRead(PatientRead):
    """How an order shows its patient: the patient with its own site (if it has one)."""

    site: SiteRead | None = Field(default=None, description="The patient's own site")


class ReturnedItemRead(Output):
    id: int = Field(description="The item")
    count: int
    received_at: dt.datetime | None = Field(default=None, description="When it came back")


class ReturnedDeviceRead(Output):
    id: int = Field(description="The device")
    received_at: dt.datetime | None = Field(default=None, description="When it came back")


class ReturnedPackedKitRead(Output):
    id: int = Field(description="The packed kit")
    quantity: int
    received_at: dt.datetime | None = Field(default=None, description="When it came back")


class ReturnsRead(Output):
    """What comes back with the order, and when the supplier received each part."""

    items: list[ReturnedItemRead] = []
    devices: list[ReturnedDeviceRead] = []
    packed_kits: list[ReturnedPackedKitRead] = []


class ReturnsReceipt(Input):
    """What came back. A body naming none of the lists receives everything the order's
    returns name that has not been received yet; one that names any receives only what
    it names."""

    device_ids: Annotated[list[Id], Field(max_length=LIST_MAX)] | None = None
    packed_kit_ids: Annotated[list[Id], Field(max_length=LIST_MAX)] | None = None
    item_ids: Annotated[list[Id], Field(max_length=LIST_MAX)] | None = None

    @property
    def names_any(self) -> bool:
        return any(v is not None for v in (self.device_ids, self.packed_kit_ids, self.item_ids))


class KitPacking(Input):
    kit_id: Id = Field(description="A kit the order asks for")
    external_identifier: Code | None = Field(
        default=None, description="The packed kit's own identifier, e.g. its label"
    )
    device_ids: Annotated[list[Id], Field(max_length=LIST_MAX)] = Field(
        default=[],
        description="The devices packed in it: units of the kit's items, no more of an item "
        "than the kit holds; those not yet assigned to the order are assigned by packing",
    )


class PackedKitRead(Output):
    id: int
    kit_id: int
    kit: KitRead
    external_identifier: str | None
    packed_at: dt.datetime
    device_ids: list[int] = Field(description="The devices packed in it (see `devices`)")


class DeviceAssignment(Input):
    device_ids: list[Id] = Field(
        min_length=1,
        max_length=LIST_MAX,
        description="Devices of the order's supplier, each a unit of an item the order asks "
        "for (directly or in a kit), no more of an item than ordered, on no other open order",
    )


class OrderDeviceRead(DeviceRead):
    """A device assigned to the order; its patient shows the patient's own site."""

    current_patient: OrderPatientRead | MISSING | None = Field(
        default=WITHHELD, description=f"The patient who has it now (PHI: {PHI_NOTE})"
    )
    packed_kit_id: int | None = Field(
        default=None, description="The packed kit of this order it is in, if any"
    )
    returned_at: dt.datetime | None = Field(
        default=None, description="When it came back (a return received); it is free since"
    )


class OrderRead(Output):
    id: int
    customer_account_id: int
    supplier_account_id: int
    customer: AccountSummary
    supplier: AccountSummary
    project_id: int
    schema_name: str | None
    email_label: bool
    comments: list[str]
    returns: ReturnsRead
    patient: OrderPatientRead | None
    site: SiteRead | None = Field(description="The site the order is for (not the patient's)")
    product: ProductSnapshot | None
    lines: list[OrderLineRead]
    external_order_ids: list[str]
    tags: list[str]
    data: dict[str, Any]
    medical_records: dict[str, Any] | MISSING = Field(
        default=WITHHELD, description=f"The clinical case data (PHI: {PHI_NOTE})"
    )
    treatments: list[dict[str, Any]] | MISSING = Field(
        default=WITHHELD, description=f"The treatments planned (PHI: {PHI_NOTE})"
    )
    memo: str | None
    shipping_option: ShippingOption
    shipping_address: AddressOut | MISSING | None = Field(
        default=WITHHELD,
        description=f"The order's own shipping address (PHI on an order for a patient: {PHI_NOTE})",
    )
    billing_address: AddressOut | None
    effective_shipping_address: AddressOut | MISSING | None = Field(
        default=WITHHELD,
        description="Where the order ships: its own shipping address, else the customer "
        f"account's registered one (PHI on an order for a patient: {PHI_NOTE})",
    )
    effective_billing_address: AddressOut | None = Field(
        description="Who is billed where: the order's own billing address, else the customer "
        "account's registered one"
    )
    status: StatusRead
    workflow: WorkflowRef
    transitions: list[TransitionRead] = Field(
        description="The moves the calling principal may take now"
    )
    notes: list[NoteRead]
    tracking_numbers: list[TrackingNumberRead]
    devices: list[OrderDeviceRead] = Field(description="The devices assigned, oldest first")
    packed_kits: list[PackedKitRead] = Field(description="The kits packed, oldest first")
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class OrderEventRead(Output):
    """One timeline event. ``data`` is the payload of its ``kind`` (``orders.events``);
    events recorded before a payload key existed show it as null."""

    id: int
    order_id: int
    kind: EventKind
    actor: str
    credential_id: int | None
    client: str | None
    occurred_at: dt.datetime
    data: dict[str, Any] = Field(
        description="The payload of `kind`: "
        + ", ".join(f"{model.__name__} for {kind.value}" for kind, model in PAYLOADS.items())
    )

    @property
    def payload(self) -> Payload:
        """``data`` as the model of its kind."""
        return payload_of(self.kind, self.data)

    # ``data`` stays the stored dict for the surfaces that read it; answers show the payload.
    @field_serializer("data")
    def _typed_data(self, data: dict[str, Any]) -> Payload:
        return self.payload
