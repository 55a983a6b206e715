"""Record Stack Overflow's bodies (seed 004): the order object and the create/update fields.

Request bodies arrive flat (``shipping_city=Raleigh``), nested in one-element
arrays (``shipping_info[0][shipping_city]=Raleigh`` or JSON), and ``comments``
as a string or a list; ``mapping.parse_body`` folds all of them into
``OrderBody`` before anything is checked. Only types are checked here: the
lengths and formats are the core's (``orderdesk.schemas.Address``).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Status(StrEnum):
    """The vendor's three statuses; any workflow's state reads as one of them."""

    IN_PROGRESS = "In progress"
    COMPLETED = "Completed"
    CANCELLED = "Cancelled"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ShippingInfo(_Strict):
    shipping_address1: str | None = None
    shipping_address2: str | None = None
    shipping_city: str | None = None
    shipping_state: str | None = None
    shipping_zip: str | None = None


class BillingInfo(_Strict):
    paypal_email: str | None = None
    billing_address1: str | None = None
    billing_address2: str | None = None
    billing_city: str | None = None
    billing_state: str | None = None
    billing_zip: str | None = None


class MerchantInfo(_Strict):
    """Accepted on create and checked against the path; what is shown comes from the
    merchant's registered account."""

    merchant_id: str | None = None
    companyName: str | None = None
    primaryContact: str | None = None
    phoneNumber: str | None = None


#: The groups a body has, and which fields each one holds (also sent flat).
GROUPS: dict[str, type[_Strict]] = {
    "shipping_info": ShippingInfo,
    "billing_info": BillingInfo,
    "merchant_info": MerchantInfo,
}

#: The create table's "Required" rows (merchant_info's are the merchant's own account).
REQUIRED_ON_CREATE: tuple[str, ...] = (
    "shipping_address1",
    "shipping_city",
    "shipping_state",
    "shipping_zip",
    "paypal_email",
    "billing_address1",
    "billing_city",
    "billing_state",
    "billing_zip",
)


class OrderBody(_Strict):
    """A create or update body after folding; a group left out is ``None``."""

    shipping_info: ShippingInfo | None = None
    billing_info: BillingInfo | None = None
    merchant_info: MerchantInfo | None = None
    comments: list[str] | None = None
    status: Status | None = None


# --- answers -----------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class CustomerInfoOut(_Out):
    username: str | None = None
    email: str | None = None
    firstName: str = Field(description='The contact\'s given name ("" when unset)')
    lastName: str = Field(description='The contact\'s family name ("" when unset)')


class ShippingInfoOut(ShippingInfo):
    """The shipping group as answered: the same fields the request takes."""

    model_config = ConfigDict(extra="ignore")


class BillingInfoOut(BillingInfo):
    """The billing group as answered: the same fields the request takes."""

    model_config = ConfigDict(extra="ignore")


class MerchantInfoOut(_Out):
    merchant_id: str
    companyName: str | None = None
    primaryContact: str | None = None
    phoneNumber: str | None = None


class RsoOrder(_Out):
    """The order object; a field with no value is left out (as the vendor's update
    sample leaves out ``paypal_email``)."""

    status: Status
    id: str = Field(alias="_id", description="The order id (digits)")
    record_id: str | None = Field(
        default=None, description="The record (product) the order was made from"
    )
    merchant_id: str
    customer_info: list[CustomerInfoOut]
    shipping_info: list[ShippingInfoOut]
    billing_info: list[BillingInfoOut]
    merchant_info: list[MerchantInfoOut]
    comments: list[str]
    created_by: str = Field(alias="_createdBy", description="The customer's id")
    created_date: str = Field(description="UTC, milliseconds: 2019-02-12T02:16:49.482Z")
    v: int = Field(alias="__v", description="Changes since creation (the order's version - 1)")


class SuccessMessage(BaseModel):
    success_message: str
    response_code: int


class ErrorMessage(BaseModel):
    error_message: str
    response_code: int
