"""Translation between Record Stack Overflow's shapes and the core's, both ways.

Pure functions only: no session, no queries, no rules. Vendor request bodies
become ``OrderCreate`` / ``OrderUpdate``, and an update's ``status`` the outcome
the core closes the order with; ``OrderRead`` becomes the vendor's order object;
core errors become the vendor's ``error_message`` text, naming fields by the
vendor's names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from orderdesk.errors import BadRequest, FieldError, NotFound, OrderdeskError
from orderdesk.orders.schemas import AccountSummary, OrderCreate, OrderRead, OrderUpdate
from orderdesk.orders.sets import OrderSet
from orderdesk.privacy import shown
from orderdesk.schemas import ID_MAX, AddressOut, or_empty
from orderdesk.workflow.graph import Outcome
from orderdesk.workflow.vocabularies import Vocabulary, outcome_asked

from .schemas import (
    GROUPS,
    REQUIRED_ON_CREATE,
    BillingInfoOut,
    CustomerInfoOut,
    MerchantInfoOut,
    OrderBody,
    RsoOrder,
    ShippingInfoOut,
    Status,
)

#: The orders this API describes: those made from a record (a supplier's product).
DESCRIBED = OrderSet.FROM_A_PRODUCT

# --- vocabulary ---------------------------------------------------------------

#: Vendor field -> core address field, per group.
SHIPPING_FIELDS: dict[str, str] = {
    "shipping_address1": "line_one",
    "shipping_address2": "line_two",
    "shipping_city": "city",
    "shipping_state": "state",
    "shipping_zip": "zip_code",
}
BILLING_FIELDS: dict[str, str] = {
    "paypal_email": "email",
    "billing_address1": "line_one",
    "billing_address2": "line_two",
    "billing_city": "city",
    "billing_state": "state",
    "billing_zip": "zip_code",
}

#: Where a core error points -> the vendor's name for it.
_CORE_NAMES: dict[str, str] = {
    **{f"/shipping_address/{core}": vendor for vendor, core in SHIPPING_FIELDS.items()},
    **{f"/billing_address/{core}": vendor for vendor, core in BILLING_FIELDS.items()},
    "/shipping_address": "shipping_info",
    "/billing_address": "billing_info",
    "/comments": "comments",
    "/product_id": "recordId",
    "/supplier_account_id": "merchantId",
    "/customer_account_id": "customerId",
}

#: The answer to an id that names nothing the caller may see, per path parameter.
ORDER_NOT_FOUND = "Order not found. Check order id."
RECORD_NOT_FOUND = "Record not found. Check record id."
CUSTOMER_NOT_FOUND = "Customer not found. Check customer id."
MERCHANT_NOT_FOUND = "Merchant not found. Check merchant id."
INSUFFICIENT_PRIVILEGES = "Insufficient privileges"
#: The document's words (sic) past its 100 calls per 15 minutes per token.
TOO_MANY_REQUESTS = "Too many request, please try again later"

#: A FieldError detail meaning "required and not given".
MISSING = "required"

SORTS: dict[str, bool] = {"asc": False, "1": False, "desc": True, "-1": True}


def parse_id(raw: str, not_found_message: str) -> int:
    """A path id: our ids are digit strings; anything else names nothing (404)."""
    # Length first: int() refuses a string of more than 4300 digits with a ValueError.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19 and 1 <= int(raw) <= ID_MAX):
        raise NotFound(not_found_message)
    return int(raw)


def descending(sort: str | None) -> bool:
    """``sort``: asc / 1 (oldest first, the default) or desc / -1 (newest first)."""
    if sort is None:
        return False
    try:
        return SORTS[sort.strip().lower()]
    except KeyError:
        raise BadRequest(
            "sort must be one of asc, 1, desc, -1",
            errors=[FieldError("must be one of asc, 1, desc, -1", parameter="sort")],
        ) from None


# --- request bodies -----------------------------------------------------------


def parse_body(raw: Any, *, create: bool) -> OrderBody:
    """Fold a flat, bracketed or JSON body into ``OrderBody``; 400 naming each problem.

    ``shipping_city=X``, ``shipping_info[0][shipping_city]=X`` and
    ``{"shipping_info": [{"shipping_city": "X"}]}`` (or a bare object) all mean
    the same; ``comments`` is a string (one comment; empty for none) or a list.
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise BadRequest("The body must be a set of fields (form-urlencoded or a JSON object)")
    rest = dict(raw)
    errors: list[FieldError] = []
    folded: dict[str, Any] = {}
    if create:  # the create table lists them as system-generated: nothing to take
        rest.pop("_createdBy", None)
        rest.pop("created_date", None)
    for group, model in GROUPS.items():
        if group == "merchant_info" and not create:
            continue  # not an update field: reported as unknown below
        fields = _group(rest.pop(group, None), group, errors)
        for name in model.model_fields:
            if name not in rest:
                continue
            value = rest.pop(name)
            fields = {} if fields is None else fields
            if name in fields and fields[name] != value:
                errors.append(
                    FieldError(f"given both flat and in {group} with different values", f"/{name}")
                )
            fields[name] = value
        if fields is not None:
            folded[group] = fields
    if "comments" in rest:
        comments = rest.pop("comments")
        if isinstance(comments, str):
            comments = [comments] if comments else []
        folded["comments"] = comments
    if not create and "status" in rest:
        folded["status"] = rest.pop("status")
    errors.extend(FieldError("unknown field", f"/{name}") for name in rest)
    try:
        body = OrderBody.model_validate(folded)
    except ValidationError as exc:
        errors.extend(_pydantic_errors(exc))
        body = None
    if create:
        errors = [*_missing(folded), *errors]
    if errors or body is None:
        raise BadRequest("invalid request", errors=errors)
    return body


def _group(value: Any, group: str, errors: list[FieldError]) -> dict[str, Any] | None:
    """One group's fields: a one-element array (the document's shape) or a bare object."""
    if value is None:
        return None
    if isinstance(value, list):
        if len(value) > 1:
            errors.append(FieldError("must hold one element", f"/{group}"))
            return None
        value = value[0] if value else {}
    if not isinstance(value, Mapping):
        errors.append(FieldError("must be an object (or an array of one object)", f"/{group}"))
        return None
    return dict(value)


def _missing(folded: Mapping[str, Any]) -> list[FieldError]:
    given: dict[str, Any] = {}
    for group in ("shipping_info", "billing_info"):
        if isinstance(folded.get(group), Mapping):
            given.update(folded[group])
    return [
        FieldError(MISSING, f"/{name}")
        for name in REQUIRED_ON_CREATE
        if given.get(name) is None or (isinstance(given[name], str) and not given[name].strip())
    ]


def _pydantic_errors(exc: ValidationError) -> list[FieldError]:
    out = []
    for err in exc.errors():
        path = [str(p) for p in err["loc"]]
        detail = MISSING if err["type"] == "missing" else err["msg"]
        if err["type"] == "string_pattern_mismatch" and path and path[-1] == "email":
            detail = "must be an email address"
        if err["type"] == "extra_forbidden":
            detail = "unknown field"
        out.append(FieldError(detail, "".join(f"/{p}" for p in path)))
    return out


M = TypeVar("M", bound=BaseModel)


def _core(model: type[M], data: dict[str, Any]) -> M:
    """Build a core schema; its own bounds (lengths, formats) answer as a vendor 400."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadRequest("invalid request", errors=_pydantic_errors(exc)) from None


def _address(
    fields: BaseModel | None, names: Mapping[str, str], *, whole: bool = False
) -> dict[str, Any] | None:
    """The core address for a vendor group: the fields given, or with ``whole`` every field
    of the group (null for those not given), so that the core's merge patch replaces the
    group and keeps only the fields this API cannot show (country, ...)."""
    out: dict[str, Any] = {}
    if fields is not None:
        for vendor, core in names.items():
            value = getattr(fields, vendor)
            if core == "email" and value is not None:
                value = value.strip() or None  # an empty PayPal email is none
            if value is not None or whole:
                out[core] = value
    return out or None


def order_create(body: OrderBody, *, record_id: int, merchant_id: int) -> OrderCreate:
    merchant = body.merchant_info
    if merchant is not None and merchant.merchant_id not in (None, "", str(merchant_id)):
        raise BadRequest(
            "invalid request",
            errors=[
                FieldError(f"must be the merchant of the path ({merchant_id})", "/merchant_id")
            ],
        )
    return _core(
        OrderCreate,
        {
            "product_id": record_id,
            "supplier_account_id": merchant_id,
            "shipping_address": _address(body.shipping_info, SHIPPING_FIELDS),
            "billing_address": _address(body.billing_info, BILLING_FIELDS),
            "comments": body.comments or [],
        },
    )


def order_update(body: OrderBody) -> OrderUpdate:
    """A group sent replaces the stored one whole (as the document's update sample shows:
    the billing_info sent without paypal_email comes back without it): it is sent whole,
    so the core's merge patch keeps only the fields this API cannot show; a group left
    out stays as it is; comments are replaced whole."""
    data: dict[str, Any] = {}
    if body.shipping_info is not None:
        data["shipping_address"] = _address(body.shipping_info, SHIPPING_FIELDS, whole=True)
    if body.billing_info is not None:
        data["billing_address"] = _address(body.billing_info, BILLING_FIELDS, whole=True)
    if body.comments is not None:
        data["comments"] = body.comments
    return _core(OrderUpdate, data)


# --- statuses -----------------------------------------------------------------


def asked_outcome(status: Status | None) -> Outcome | None:
    """What an update's ``status`` asks for: the outcome the core's vocabulary gives the
    word (none for "In progress": every open state, and only an open order is updated)."""
    return None if status is None else outcome_asked(Vocabulary.RECORD_STACK_OVERFLOW, status)


# --- the order object ---------------------------------------------------------


def created_date(moment: dt.datetime) -> str:
    """``2019-02-12T02:16:49.482Z``: UTC, milliseconds."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _customer_info(account: AccountSummary) -> CustomerInfoOut:
    return CustomerInfoOut(
        username=account.name,
        email=or_empty(account.email),
        firstName=or_empty(account.contact_given_name),
        lastName=or_empty(account.contact_family_name),
    )


def _info(address: AddressOut | None, names: Mapping[str, str], model: type[M]) -> list[M]:
    """The group, one element holding every field (the address's value, else ``""``)."""
    return [
        model.model_validate(
            {vendor: or_empty(getattr(address, core, None)) for vendor, core in names.items()}
        )
    ]


def order_out(order: OrderRead) -> RsoOrder:
    """The vendor's order object, for an order of ``DESCRIBED`` (made from a record)."""
    if order.product is None or order.product.id is None:
        raise ValueError(f"order {order.id} was not made from a record")
    supplier = order.supplier
    return RsoOrder(
        status=Status(order.status.terms[Vocabulary.RECORD_STACK_OVERFLOW.value]),
        id=str(order.id),
        record_id=str(order.product.id),
        merchant_id=str(order.supplier_account_id),
        customer_info=[_customer_info(order.customer)],
        # Withheld (each field "") on an order for a patient, without phi:read.
        shipping_info=_info(
            shown(order.effective_shipping_address), SHIPPING_FIELDS, ShippingInfoOut
        ),
        billing_info=_info(order.effective_billing_address, BILLING_FIELDS, BillingInfoOut),
        merchant_info=[
            MerchantInfoOut(
                merchant_id=str(supplier.id),
                companyName=supplier.name,
                primaryContact=or_empty(supplier.contact_person),
                phoneNumber=or_empty(supplier.phone_number),
            )
        ],
        comments=list(order.comments),
        created_by=str(order.customer_account_id),
        created_date=created_date(order.created_at),
        v=order.version - 1,
    )


def order_json(order: OrderRead) -> dict[str, Any]:
    return order_out(order).model_dump(by_alias=True, exclude_none=True, mode="json")


# --- errors -------------------------------------------------------------------


def vendor_name(error: FieldError) -> str:
    """The vendor's name for what a FieldError points at."""
    if error.parameter is not None:
        return error.parameter
    pointer = error.pointer or ""
    parts = [p for p in pointer.split("/")[1:] if not p.isdigit()]
    for depth in (2, 1):
        key = "".join(f"/{p}" for p in parts[:depth])
        if len(parts) >= depth and key in _CORE_NAMES:
            return _CORE_NAMES[key]
    return parts[-1] if parts else "body"


def error_message(error: OrderdeskError) -> str:
    """One sentence naming each offending field by the vendor's name."""
    if not error.errors:
        return error.detail or error.title
    missing = _unique(
        vendor_name(e) for e in error.errors if e.detail in (MISSING, "Field required")
    )
    invalid = _unique(
        f"{vendor_name(e)}: {e.detail}"
        for e in error.errors
        if e.detail not in (MISSING, "Field required")
    )
    parts = []
    if missing:
        parts.append("Missing required fields: " + ", ".join(missing))
    if invalid:
        parts.append("Invalid request: " + "; ".join(invalid))
    return ". ".join(parts)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
