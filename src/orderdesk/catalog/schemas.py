from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints

from orderdesk.schemas import (
    LIST_MAX,
    SAID,
    Code,
    Count,
    Id,
    Input,
    LongText,
    Name,
    Output,
    ShortName,
    Timestamped,
    not_null,
)

Currency = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10, pattern=SAID)
]
Price = Annotated[
    Decimal,
    Field(
        ge=0,
        max_digits=14,
        decimal_places=2,
        # What max_digits and decimal_places allow, for the document (pydantic leaves it out).
        json_schema_extra={
            "maximum": 999_999_999_999.99,
            "multipleOf": 0.01,
            "pattern": r"^\+?(\d{1,12}(\.\d{0,2})?|\.\d{1,2})$",
        },
    ),
]


class ManufacturerCreate(Input):
    account_id: Id | None = None  # a supplier's own; an admin's is tenant-wide unless named
    name: Name


class ManufacturerUpdate(Input):
    name: Name | None = None

    _required = not_null("name")


class ManufacturerRead(Timestamped):
    id: int
    account_id: int | None  # the owning supplier; none: tenant-wide
    name: str


class ItemCreate(Input):
    account_id: Id | None = None
    sku: Code
    name: Name
    model: Name | None = None
    manufacturer_id: Id | None = None
    orderable: bool = True


class ItemUpdate(Input):
    sku: Code | None = None
    name: Name | None = None
    model: Name | None = None
    manufacturer_id: Id | None = None
    orderable: bool | None = None

    _required = not_null("sku", "name", "orderable")


class ManufacturerRef(Output):
    id: int
    name: str


class ItemRead(Timestamped):
    id: int
    account_id: int
    sku: str
    name: str
    model: str | None
    manufacturer: ManufacturerRef | None
    orderable: bool


class KitItemIn(Input):
    item_id: Id
    count: Count = 1
    drives_external_identifier: bool = False


class KitCreate(Input):
    account_id: Id | None = None
    name: Name
    archived: bool = False
    kit_items: Annotated[list[KitItemIn], Field(max_length=LIST_MAX)] = []


class KitUpdate(Input):
    name: Name | None = None
    archived: bool | None = None
    kit_items: Annotated[list[KitItemIn], Field(max_length=LIST_MAX)] | None = None

    _required = not_null("name", "archived", "kit_items")


class KitItemRead(Output):
    count: int
    drives_external_identifier: bool
    item: ItemRead


class KitRead(Timestamped):
    id: int
    account_id: int
    name: str
    archived: bool
    kit_items: list[KitItemRead]


class ProductCreate(Input):
    account_id: Id | None = None
    name: Name
    price: Price
    currency: Currency
    discount: ShortName | None = None
    terms: LongText | None = None
    orderable: bool = True
    workflow_id: Id | None = None


class ProductUpdate(Input):
    name: Name | None = None
    price: Price | None = None
    currency: Currency | None = None
    discount: ShortName | None = None
    terms: LongText | None = None
    orderable: bool | None = None
    workflow_id: Id | None = None

    _required = not_null("name", "price", "currency", "orderable")


class ProductRead(Timestamped):
    id: int
    account_id: int
    name: str
    price: Decimal
    currency: str
    discount: str | None
    terms: str | None
    orderable: bool
    workflow_id: int | None
