"""``ETag`` and ``If-Match``: an updatable resource's version, and the one a client last saw."""

from __future__ import annotations

from orderdesk.errors import FieldError, ValidationFailed


def etag(version: int) -> str:
    return f'W/"{version}"'


def parse_if_match(if_match: str | None) -> int | None:
    """``If-Match: W/"3"`` (or ``"3"``) -> 3; the version the client last saw."""
    if if_match is None or if_match.strip() == "*":
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    # ASCII digits, and few: int() takes other scripts' digits, refuses 4300 digits or more.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19):
        raise ValidationFailed(
            "If-Match must be an ETag this API gave",
            errors=[FieldError('like W/"3"', parameter="If-Match")],
        )
    return int(raw)
