"""What the webhook routes take and answer."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator

from orderdesk.orders.feed import EVENT_TYPES
from orderdesk.schemas import Input, Output, not_null
from orderdesk.webhooks.models import URL_MAX, DeliveryState


def _known_type(value: str) -> str:
    if value not in EVENT_TYPES:
        raise ValueError("must be one of " + ", ".join(EVENT_TYPES))
    return value


EventType = Annotated[
    str, AfterValidator(_known_type), Field(json_schema_extra={"enum": list(EVENT_TYPES)})
]
EventTypes = Annotated[list[EventType], Field(min_length=1, max_length=len(EVENT_TYPES))]
WebhookURL = Annotated[
    str,
    Field(
        min_length=1,
        max_length=URL_MAX,
        description="An http:// or https:// URL on a public address",
    ),
]


def _unique(values: list[str] | None) -> list[str] | None:
    return None if values is None else list(dict.fromkeys(values))


class WebhookCreate(Input):
    url: WebhookURL
    event_types: EventTypes | None = Field(
        default=None, description="The event types to send; every type when left out"
    )
    full_payload: bool = Field(
        default=False,
        description="Send the order as the credential sees it with each event, not only its "
        "id; needs phi:read on the credential",
    )

    _unique_types = field_validator("event_types")(_unique)


class WebhookUpdate(Input):
    url: WebhookURL | None = None
    event_types: EventTypes | None = None
    enabled: bool | None = Field(
        default=None, description="false stops deliveries; true resumes them (after a 410, too)"
    )

    _required = not_null("url", "event_types", "enabled")
    _unique_types = field_validator("event_types")(_unique)


class WebhookRead(Output):
    id: int
    url: str
    event_types: list[str]
    format: str = Field(description="native, impilo-status or impilo-statusFull")
    full_payload: bool
    enabled: bool
    disabled_reason: str | None = Field(description="Why deliveries stopped (a 410, ...)")
    disabled_at: dt.datetime | None
    credential_id: int = Field(description="The credential that made it, whose view it sends")
    account_id: int | None
    previous_secret_expires_at: dt.datetime | None = Field(
        description="Until when the secret before the last rotation still signs too"
    )
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class WebhookCreated(WebhookRead):
    secret: str = Field(description="The signing secret (whsec_...): shown only this once")


class DeliveryRead(Output):
    id: int
    event_id: str = Field(description="The event's id, sent as webhook-id")
    type: str
    order_id: int
    sequence: int
    state: DeliveryState
    attempts: int
    last_attempt_at: dt.datetime | None
    last_status_code: int | None = Field(description="The receiver's last HTTP status")
    last_error: str | None = Field(description="What went wrong on the last attempt, if not a 2xx")
    next_attempt_at: dt.datetime | None = Field(description="When it goes out next (pending)")
    delivered_at: dt.datetime | None
    created_at: dt.datetime
