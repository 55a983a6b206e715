from __future__ import annotations

import datetime as dt
from typing import Literal

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
    id: int
    account_id: int
    external_identifier: str | None
    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    sex: str
    email: str | None
    phone_number: str | None
    address: AddressOut | None
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
