from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, Field

from orderdesk.schemas import (
    Address,
    AddressOut,
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
from orderdesk.tenancy.models import AccountKind, Role
from orderdesk.tenancy.scopes import Scope


class AccountCreate(Input):
    kind: AccountKind
    name: Name
    contact_person: Name | None = Field(
        default=None,
        description='The contact as their name is written ("Dr. Amara Osei"); left out, '
        "it is the given and family names joined by a space",
    )
    contact_given_name: Name | None = None
    contact_family_name: Name | None = None
    phone_number: Phone | None = None
    email: Email | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None


class AccountUpdate(Input):
    name: Name | None = None
    contact_person: Name | None = None
    contact_given_name: Name | None = None
    contact_family_name: Name | None = None
    phone_number: Phone | None = None
    email: Email | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None

    _required = not_null("name")


class AccountRead(Timestamped):
    id: int
    kind: AccountKind
    name: str
    contact_person: str | None
    contact_given_name: str | None
    contact_family_name: str | None
    phone_number: str | None
    email: str | None
    shipping_address: AddressOut | None
    billing_address: AddressOut | None


class CredentialCreate(Input):
    name: ShortName
    role: Role
    account_id: Id | None = Field(
        default=None, description="Required for customer and supplier roles; none for admin"
    )
    scopes: list[Scope] | None = Field(
        default=None,
        max_length=len(Scope),
        description="What it may do, within its role's scopes; left out, every scope of its role",
    )
    expires_at: AwareDatetime | None = Field(
        default=None, description="When it stops working; left out, it works until revoked"
    )


class CredentialRotate(Input):
    old_valid_until: AwareDatetime | None = Field(
        default=None,
        description="Until when the old key keeps working (at most its own expiry); "
        "left out, it stops now",
    )


class CredentialRead(Output):
    id: int
    name: str
    prefix: str = Field(description="Its public, random prefix; also its OAuth2 client id")
    role: Role
    account_id: int | None
    scopes: list[Scope]
    rotated_from_id: int | None = Field(description="The key this one replaced, if any")
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class CredentialCreated(CredentialRead):
    secret: str = Field(description="The API key. Shown once; only its hash is stored.")
