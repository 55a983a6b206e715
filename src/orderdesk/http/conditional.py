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
    if not raw.isdigit():
        raise ValidationFailed(
            "If-Match must be an ETag this API gave",
            errors=[FieldError('like W/"3"', parameter="If-Match")],
        )
    return int(raw)
