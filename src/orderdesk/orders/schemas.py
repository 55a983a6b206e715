from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from orderdesk.catalog.schemas import ItemRead, KitRead, ProductRead
from orderdesk.orders.models import EventKind, ShippingOption
from orderdesk.parties.schemas import PatientRead, SiteRead
from orderdesk.schemas import (
    LIST_MAX,
    Address,
    AddressOut,
    Code,
    Count,
    CustomData,
    Id,
    Input,
    LongText,
    Output,
)

CodeList = Annotated[list[Code], Field(max_length=LIST_MAX)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class OrderLineIn(Input):
    """Exactly one of ``item_id``, ``kit_id``, ``product_id``, a number of times."""

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
    memo: LongText | None = None
    shipping_option: ShippingOption = ShippingOption.STANDARD
    shipping_address: Address | None = None
    billing_address: Address | None = None


class OrderUpdate(Input):
    external_order_ids: Annotated[list[Code], Field(max_length=20)] | None = None
    tags: Annotated[list[Code], Field(max_length=50)] | None = None
    data: CustomData | None = None
    memo: LongText | None = None
    shipping_option: ShippingOption | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None


class NoteCreate(Input):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]


class TrackingNumberCreate(Input):
    carrier: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
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


class TransitionRead(Output):
    to: str
    name: str
    reason_required: bool


class WorkflowRef(Output):
    key: str


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
    text: str
    created_at: dt.datetime


class TrackingNumberRead(Output):
    id: int
    carrier: str
    value: str
    created_at: dt.datetime


class OrderRead(Output):
    id: int
    customer_account_id: int
    supplier_account_id: int
    patient: PatientRead | None
    site: SiteRead | None
    product: ProductSnapshot | None
    lines: list[OrderLineRead]
    external_order_ids: list[str]
    tags: list[str]
    data: dict[str, Any]
    memo: str | None
    shipping_option: ShippingOption
    shipping_address: AddressOut | None
    billing_address: AddressOut | None
    status: StatusRead
    workflow: WorkflowRef
    transitions: list[TransitionRead] = Field(
        description="The moves the calling principal may take now"
    )
    notes: list[NoteRead]
    tracking_numbers: list[TrackingNumberRead]
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class OrderEventRead(Output):
    id: int
    order_id: int
    kind: EventKind
    actor: str
    credential_id: int | None
    client: str | None
    occurred_at: dt.datetime
    data: dict[str, Any]
