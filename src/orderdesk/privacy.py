"""Protected health information: which fields are PHI, how they are withheld from a
caller without ``phi:read``, and the record of whom they were shown to.

The read steps (``orders.read_model``, ``parties.reading``, ``devices.reading``)
are the only places that decide: for a caller without ``phi:read`` they replace
each PHI field by ``WITHHELD`` (pydantic's ``MISSING``: the field is left out of
the answer, JSON and XML alike); for one with it, they note what they showed in the
request's ``Disclosures``, which the audit hook writes with the request's work.
Compatibility surfaces translate a withheld field with ``shown`` (null, where their
vendor's document always has the field).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import MISSING, BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

#: What a withheld field holds: it is left out when the answer is written.
WITHHELD = MISSING
#: How a schema describes a PHI field.
PHI_NOTE = "PHI, left out for a caller without phi:read"

#: A patient's identifying fields, wherever a patient is shown.
PATIENT_PHI = (
    "external_identifier",
    "first_name",
    "last_name",
    "date_of_birth",
    "email",
    "phone_number",
    "address",
)
#: An order's clinical case data.
CASE_PHI = ("medical_records", "treatments")
#: An order's addresses, PHI when the order is for a patient (their home, usually).
PATIENT_ADDRESSES = ("shipping_address", "effective_shipping_address")
#: Who has a device now.
HOLDER_PHI = ("current_patient_id", "current_patient")
#: Fields whose values a ``changed`` timeline event does not show without ``phi:read``.
CHANGE_PHI = frozenset({*CASE_PHI, "shipping_address"})

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


def withhold(model: M, names: tuple[str, ...]) -> M:
    """``model`` with each of ``names`` withheld."""
    return model.model_copy(update=dict.fromkeys(names, WITHHELD))


def shown(value: T | MISSING) -> T | None:
    """A field as a surface that always shows it writes it: None when withheld."""
    return None if value is MISSING else value


@dataclass
class Disclosures:
    """The patients, orders and devices whose PHI one request's answer carries."""

    patients: set[int] = field(default_factory=set)
    orders: set[int] = field(default_factory=set)
    devices: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.patients or self.orders or self.devices)


_KEY = "orderdesk.disclosures"


def disclosures(session: AsyncSession) -> Disclosures:
    """What the request in ``session`` has disclosed so far (one per request)."""
    found: Disclosures = session.info.setdefault(_KEY, Disclosures())
    return found
