from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import MISSING, Field

from orderdesk.privacy import PHI_NOTE, WITHHELD
from orderdesk.schemas import (
    Address,
    AddressOut,
    Code,
    Email,
    Id,
    Input,
    Name,
    Output,
    Phone,
    ShortName,
    Timestamped,
    not_null,
)

Sex = Literal["female", "male", "other", "unknown"]


class SiteCreate(Input):
    account_id: Id | None = None
    name: Name
    phone_number: Phone | None = None
    address: Address | None = None
    active: bool = True


class SiteUpdate(Input):
    name: Name | None = None
    phone_number: Phone | None = None
    address: Address | None = None
    active: bool | None = None

    _required = not_null("name", "active")


class SiteRead(Timestamped):
    id: int
    account_id: int
    name: str
    phone_number: str | None
    address: AddressOut | None
    active: bool


class PatientCreate(Input):
    account_id: Id | None = None
    external_identifier: Code | None = None
    first_name: ShortName
    last_name: ShortName
    date_of_birth: dt.date | None = None
    sex: Sex = "unknown"
    email: Email | None = None
    phone_number: Phone | None = None
    address: Address | None = None
    site_id: Id | None = None
    enrolled: bool = True
    archived: bool = False


class PatientUpdate(Input):
    external_identifier: Code | None = None
    first_name: ShortName | None = None
    last_name: ShortName | None = None
    date_of_birth: dt.date | None = None
    sex: Sex | None = None
    email: Email | None = None
    phone_number: Phone | None = None
    address: Address | None = None
    site_id: Id | None = None
    enrolled: bool | None = None
    archived: bool | None = None

    _required = not_null("first_name", "last_name", "sex", "enrolled", "archived")


class PatientRead(Timestamped):
    """A patient. Who they are (names, birth date, contact details, address, their own
    identifier) is PHI: a caller without ``phi:read`` sees the rest."""

    id: int
    account_id: int
    external_identifier: str | MISSING | None = Field(default=WITHHELD, description=PHI_NOTE)
    first_name: str | MISSING = Field(default=WITHHELD, description=PHI_NOTE)
    last_name: str | MISSING = Field(default=WITHHELD, description=PHI_NOTE)
    date_of_birth: dt.date | MISSING | None = Field(default=WITHHELD, description=PHI_NOTE)
    sex: str
    email: str | MISSING | None = Field(default=WITHHELD, description=PHI_NOTE)
    phone_number: str | MISSING | None = Field(default=WITHHELD, description=PHI_NOTE)
    address: AddressOut | MISSING | None = Field(default=WITHHELD, description=PHI_NOTE)
    site_id: int | None
    enrolled: bool
    archived: bool


class PatientSummary(Output):
    """How an order shows its patient."""

    id: int
    external_identifier: str | None
    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    site_id: int | None
