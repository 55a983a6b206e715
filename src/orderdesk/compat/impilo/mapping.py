"""Translation between Impilo's order model and the core's: requests in, errors and orders out.

Nothing here decides whether an order is acceptable: the request becomes an
``OrderCreate`` and the core judges it; its answers (errors named by the core's
JSON Pointers, ``OrderRead``) are put back into Impilo's words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from orderdesk.catalog.schemas import KitRead
from orderdesk.compat.impilo.schemas import ImpiloOrder, ImpiloOrderCreate
from orderdesk.errors import FieldError, ValidationFailed
from orderdesk.http.problems import field_errors
from orderdesk.orders.events import state_reached
from orderdesk.orders.schemas import (
    OrderCreate,
    OrderDeviceRead,
    OrderEventRead,
    OrderPatientRead,
    OrderRead,
    StatusRead,
)
from orderdesk.orders.sets import OrderSet, RecipientRequired
from orderdesk.privacy import shown
from orderdesk.schemas import AddressOut
from orderdesk.workflow.vocabularies import Vocabulary

#: The orders this API describes (and places): for a patient or a site, with at least one
#: item or kit line ("at least one of orderItems or orderKits", as both documents require).
DESCRIBED = OrderSet.ITEMS_OR_KITS_FOR_A_RECIPIENT

# --- status ---------------------------------------------------------------------------------


def impilo_status(state: StatusRead) -> str:
    """An order's state as an Impilo ``currentStatus``: the core's Impilo term for it."""
    return state.terms[Vocabulary.IMPILO.value]


# --- request -> OrderCreate -----------------------------------------------------------------

ITEMS, KITS = "/orderItems", "/orderKits"


@dataclass(frozen=True)
class Origins:
    """Where each core order line came from in the Impilo request, to name it back."""

    lines: tuple[str, ...]  # per core line: "/orderItems/0", "/orderKits/2", ...

    @property
    def line_lists(self) -> list[str]:
        """The Impilo lists that hold lines (both when neither holds any)."""
        given = [name for name in (ITEMS, KITS) if any(o.startswith(name) for o in self.lines)]
        return given or [ITEMS, KITS]


def _given(**fields: Any) -> dict[str, Any]:
    """The fields the client sent, so the core's defaults apply to the rest."""
    return {name: value for name, value in fields.items() if value is not None}


ONE_RECIPIENT = "exactly one of patient or site must be given"


def _recipient_error(message: str) -> ValidationFailed:
    return ValidationFailed(
        message, errors=[FieldError(ONE_RECIPIENT, pointer=p) for p in ("/patient", "/site")]
    )


def to_order_create(request: ImpiloOrderCreate) -> tuple[OrderCreate, Origins]:
    """The core order an Impilo create request asks for; a 400 naming Impilo's attributes."""
    lines: list[dict[str, Any]] = []
    origins: list[str] = []
    for i, order_item in enumerate(request.order_items or []):
        lines.append(_given(item_id=order_item.item.id, count=order_item.count))
        origins.append(f"{ITEMS}/{i}")
    for i, order_kit in enumerate(request.order_kits or []):
        lines.append(_given(kit_id=order_kit.kit.id, count=order_kit.count))
        origins.append(f"{KITS}/{i}")
    returns = {
        "items": [_given(item_id=r.id, count=r.count) for r in request.return_items or []],
        "devices": [{"device_id": r.id} for r in request.return_devices or []],
        "packed_kits": [
            _given(packed_kit_id=r.id, quantity=r.quantity)
            for r in request.return_packed_kits or []
        ],
    }
    payload = _given(
        patient_id=request.patient.id if request.patient else None,
        site_id=request.site.id if request.site else None,
        lines=lines,
        external_order_ids=request.external_order_ids,
        shipping_option=request.shipping_option,
        email_label=request.email_label,
        notes=[n.note for n in request.order_notes] if request.order_notes is not None else None,
        returns=returns if any(returns.values()) else None,
    )
    where = Origins(lines=tuple(origins))
    try:
        return OrderCreate.model_validate(payload), where
    except ValidationError as exc:
        as_body = RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        )
        core = ValidationFailed("the order has invalid attributes", errors=field_errors(as_body))
        raise create_error(core, where) from exc


# --- core errors -> Impilo's names ----------------------------------------------------------

NOT_ORDERABLE = "Order contains Items that are marked as non-orderable. Order cannot be placed."
KIT_ARCHIVED = "Order contains Kits that are archived. Order cannot be placed."
NEED_LINES = "orderItems or orderKits required"


class ItemNotOrderable(ValidationFailed):
    code = "item_not_orderable"


class KitNotOrderable(ValidationFailed):
    code = "kit_not_orderable"


_TOP = {  # core attribute -> Impilo pointer
    "patient_id": "/patient/id",
    "site_id": "/site/id",
    "external_order_ids": "/externalOrderIds",
    "shipping_option": "/shippingOption",
    "email_label": "/emailLabel",
}
_RETURNS = {
    "items": "/returnItems",
    "devices": "/returnDevices",
    "packed_kits": "/returnPackedKits",
}
_LINE_LEAVES = {"item_id": "/item/id", "kit_id": "/kit/id"}  # core -> Impilo, in a line
_RETURN_LEAVES = {"item_id": "/id", "device_id": "/id", "packed_kit_id": "/id"}  # in a return


def _impilo_pointers(pointer: str, origins: Origins) -> list[str]:
    """Where a core JSON Pointer's attribute is in the Impilo request ("" = the whole body)."""
    head, *rest = pointer.split("/")[1:] or [""]
    if head in _TOP:
        return [_TOP[head] + "".join(f"/{p}" for p in rest)]
    if head in ("lines", "supplier_account_id"):  # the lines as a whole, or their supplier
        if head == "lines" and rest and rest[0].isdigit() and int(rest[0]) < len(origins.lines):
            leaf = "".join(_LINE_LEAVES.get(p, f"/{p}") for p in rest[1:])
            return [origins.lines[int(rest[0])] + leaf]
        return origins.line_lists
    if head == "returns" and rest and rest[0] in _RETURNS:
        return [_RETURNS[rest[0]] + "".join(_RETURN_LEAVES.get(p, f"/{p}") for p in rest[1:])]
    if head == "notes":
        return ["/orderNotes" + (f"/{rest[0]}/note" if rest else "")]
    return [""]


def _translated(errors: Sequence[FieldError], origins: Origins) -> list[FieldError]:
    out: list[FieldError] = []
    for error in errors:
        if error.pointer == "/customer_account_id":  # an admin key: no account to order for
            out.append(
                FieldError(
                    "Impilo orders are placed with a customer account's key",
                    parameter="Impilo-API-Key",
                )
            )
        elif error.pointer is None:
            out.append(error)
        else:
            out.extend(
                FieldError(error.detail, pointer=p)
                for p in _impilo_pointers(error.pointer, origins)
            )
    return out


def create_error(error: ValidationFailed, origins: Origins) -> ValidationFailed:
    """The core's refusal of a create, named in the request's own attributes."""
    errors = _translated(error.errors, origins)
    unorderable = error.extra.get("not_orderable", [])
    if any(p.endswith("/item_id") for p in unorderable):
        return ItemNotOrderable(NOT_ORDERABLE, errors=errors)
    if any(p.endswith("/kit_id") for p in unorderable):
        return KitNotOrderable(KIT_ARCHIVED, errors=errors)
    named = {e.pointer for e in error.errors}
    if isinstance(error, RecipientRequired):
        return _recipient_error("patient or site required")
    if {"/patient_id", "/site_id"} <= named:  # the core's refusal of both at once
        return _recipient_error(error.detail)
    if not origins.lines and "/lines" in named:
        # The core's refusal of an order without item or kit lines.
        return ValidationFailed(
            NEED_LINES,
            errors=[
                FieldError("give at least one of orderItems or orderKits", pointer=p)
                for p in (ITEMS, KITS)
            ],
        )
    return ValidationFailed(error.detail, errors=errors)


# --- OrderRead -> Impilo's order model ------------------------------------------------------


def timestamp(value: dt.datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, like Impilo's ``2023-10-01T12:00:00Z`` (milliseconds
    only when there are some, as Java's ``Instant`` prints them)."""
    utc = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    text = utc.replace(tzinfo=None).isoformat(timespec="milliseconds").removesuffix(".000")
    return text + "Z"


def _address(address: AddressOut | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return {
        "city": address.city,
        "country": address.country,
        "lineOne": address.line_one,
        "state": address.state,
        "zipCode": address.zip_code,
        "lineThree": address.line_three,
        "lineTwo": address.line_two,
        "note": address.note,
    }


def _site(site: Any) -> dict[str, Any] | None:
    if site is None:
        return None
    return {
        "active": site.active,
        "address": _address(site.address),
        "id": site.id,
        "name": site.name,
        "phoneNumber": site.phone_number,
    }


def _item(item: Any) -> dict[str, Any]:
    maker = item.manufacturer
    return {
        "id": item.id,
        "manufacturer": None if maker is None else {"id": maker.id, "name": maker.name},
        "model": item.model,
        "name": item.name,
        "orderable": item.orderable,
        "sku": item.sku,
    }


def _patient(patient: OrderPatientRead | None) -> dict[str, Any] | None:
    if patient is None:
        return None
    born = shown(patient.date_of_birth)
    # Who the patient is shows as null to a caller without phi:read.
    return {
        "firstName": shown(patient.first_name),
        "lastName": shown(patient.last_name),
        "address": _address(shown(patient.address)),
        "archived": patient.archived,
        "dateOfBirth": born.isoformat() if born else None,
        "email": shown(patient.email),
        "enrolled": patient.enrolled,
        "externalIdentifier": shown(patient.external_identifier),
        "id": patient.id,
        "phoneNumber": shown(patient.phone_number),
        "sex": patient.sex,
        "site": _site(patient.site),
    }


def _device(device: OrderDeviceRead) -> dict[str, Any]:
    """A device of the order as the guide's ``devices`` show it."""
    checked = device.last_health_check
    return {
        "currentPatient": _patient(shown(device.current_patient)),
        "currentStatus": device.current_status.value,
        "deviceEvents": [
            {"eventTimestamp": timestamp(e.occurred_at), "type": e.type} for e in device.events
        ],
        "deviceIdentifiers": [{"type": i.type, "value": i.value} for i in device.identifiers],
        "disabledReadings": device.disabled_readings,
        "externalIdentifier": device.external_identifier,
        "id": device.id,
        "item": _item(device.item),
        "lastHealthCheck": timestamp(checked) if checked is not None else None,
        "site": _site(device.site),
        "used": device.used,
    }


def _kit(kit: KitRead) -> dict[str, Any]:
    return {
        "archived": kit.archived,
        "id": kit.id,
        "kitItems": [
            {
                "count": k.count,
                "drivesExternalIdentifier": k.drives_external_identifier,
                "item": _item(k.item),
            }
            for k in kit.kit_items
        ],
        "name": kit.name,
    }


def _packed_kits(order: OrderRead) -> list[dict[str, Any]]:
    """``packedKits``: each kit packed for the order, with the devices packed in it."""
    devices = {device.id: device for device in order.devices}
    return [
        {
            "devices": [_device(devices[i]) for i in packed.device_ids if i in devices],
            "externalIdentifier": packed.external_identifier,
            "id": packed.id,
            "kit": _kit(packed.kit),
        }
        for packed in order.packed_kits
    ]


def order_events(
    events: Sequence[OrderEventRead], states: Sequence[StatusRead]
) -> list[dict[str, str]]:
    """``orderEvents``, "the status updates for the order": the state it was placed in and
    each move since (the core's ``state_reached``), named by the Impilo term of the state."""
    by_id = {state.id: state for state in states}
    out = []
    for event in events:
        reached = by_id.get(state_reached(event.payload) or "")
        if reached is not None:
            out.append(
                {"eventTimestamp": timestamp(event.occurred_at), "name": impilo_status(reached)}
            )
    return out


def to_impilo(order: OrderRead, events: Sequence[OrderEventRead]) -> ImpiloOrder:
    """The full order model of the guide (002)."""
    body: dict[str, Any] = {
        "currentStatus": impilo_status(order.status),
        # The devices sent loose; those packed in a kit show in its ``packedKits`` entry.
        "devices": [_device(device) for device in order.devices if device.packed_kit_id is None],
        "emailLabel": order.email_label,
        "externalOrderIds": order.external_order_ids,
        "id": order.id,
        "orderEvents": order_events(events, order.workflow.states),
        # Product lines (native orders) have no Impilo counterpart and are not shown.
        "orderItems": [
            {"count": line.count, "item": _item(line.item)}
            for line in order.lines
            if line.item is not None
        ],
        "orderKits": [
            {
                "count": line.count,
                "kit": _kit(line.kit),
            }
            for line in order.lines
            if line.kit is not None
        ],
        "orderNotes": [
            {
                "createdAt": timestamp(note.created_at),
                # The account that wrote it ("" where unknown); the credential's id.
                "createdBy": {
                    "email": (writer.email or "") if (writer := note.author_account) else "",
                    "firstName": (writer.contact_given_name or "") if writer else "",
                    "id": note.credential_id,
                    "lastName": (writer.contact_family_name or "") if writer else "",
                },
                "note": note.text,
            }
            for note in order.notes
        ],
        "packedKits": _packed_kits(order),
        "patient": _patient(order.patient),
        "returnDevices": [{"id": r.id} for r in order.returns.devices],
        "returnItems": [{"count": r.count, "id": r.id} for r in order.returns.items],
        "returnPackedKits": [
            {"id": r.id, "quantity": r.quantity} for r in order.returns.packed_kits
        ],
        "shippingOption": order.shipping_option.value,
        "site": _site(order.site),
        "trackingNumbers": [
            {"carrier": t.carrier, "value": t.value} for t in order.tracking_numbers
        ],
    }
    return ImpiloOrder.model_validate(body)
