"""``ETag`` and ``If-Match``: an updatable resource's version, and the one a client last saw.

Tags are strong (``"3"``): they name one version exactly. ``If-Match`` uses the strong
comparison of RFC 9110 §13.1.1, so a weak tag (``W/"3"``) never matches: it is a 412.
A route reads the header through ``IfMatch`` (the setting ``require_if_match`` makes it
required: a 428 when missing, RFC 6585) or ``OptionalIfMatch`` (for changes that cannot
lose another's, such as adding a tag); the service compares the version it gives.
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import Depends, Header, Request, Response

from orderdesk.errors import (
    FieldError,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
    VersionedRow,
)
from orderdesk.http.openapi import REQUIRABLE

#: How a tag this API gives looks, for error messages.
TAG_FORM = '"3"'


def etag(version: int) -> str:
    """The strong tag of ``version``."""
    return f'"{version}"'


R = TypeVar("R", bound=VersionedRow)


def with_etag(response: Response, row: R) -> R:
    """``row``, its version now the answer's ``ETag``."""
    response.headers["ETag"] = etag(row.version)
    return row


def parse_if_match(if_match: str | None) -> int | None:
    """``If-Match: "3"`` -> 3, the version the client last saw; None when it does not say
    (no header, or ``*``). A weak tag is a 412: under the strong comparison it matches
    no version."""
    if if_match is None or if_match.strip() == "*":
        return None
    value = if_match.strip()
    if value.startswith("W/"):
        raise PreconditionFailed(
            f"If-Match compares tags strongly, so a weak tag never matches; send the ETag "
            f"as this API gave it (like {TAG_FORM})",
            errors=[FieldError(f"a strong tag, like {TAG_FORM}", parameter="If-Match")],
        )
    raw = value.strip('"')
    # ASCII digits, and few: int() takes other scripts' digits, refuses 4300 digits or more.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19):
        raise ValidationFailed(
            "If-Match must be an ETag this API gave",
            errors=[FieldError(f"like {TAG_FORM}", parameter="If-Match")],
        )
    return int(raw)


_DESCRIPTION = "The `ETag` last read: the change is made only if the object is still at it"

RequestIfMatch = Annotated[str | None, Header(description=_DESCRIPTION)]


def _if_match(
    request: Request,
    if_match: Annotated[
        str | None,
        Header(
            description=f"{_DESCRIPTION}; required when the server sets "
            "`ORDERDESK_REQUIRE_IF_MATCH`",
            json_schema_extra={REQUIRABLE: True},
        ),
    ] = None,
) -> int | None:
    if if_match is None and request.app.state.settings.require_if_match:
        raise PreconditionRequired(
            "this server makes every update say which version it read: send If-Match with "
            "the ETag a read gave",
            errors=[FieldError(f"required: the ETag, like {TAG_FORM}", parameter="If-Match")],
        )
    return parse_if_match(if_match)


def _optional_if_match(if_match: RequestIfMatch = None) -> int | None:
    return parse_if_match(if_match)


#: The version ``If-Match`` names, for an update or a transition (None: any version).
IfMatch = Annotated[int | None, Depends(_if_match)]
#: The same, never required: for a change that cannot lose a concurrent one.
OptionalIfMatch = Annotated[int | None, Depends(_optional_if_match)]
