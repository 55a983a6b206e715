"""``ETag`` and ``If-Match``: an updatable resource's version, and the one a client last saw.

Tags are strong (``"3"``): they name one version exactly. ``If-Match`` uses the strong
comparison of RFC 9110 §13.1.1, so a weak tag (``W/"3"``) never matches: it is a 412.
"""

from __future__ import annotations

from orderdesk.errors import FieldError, PreconditionFailed, ValidationFailed

#: How a tag this API gives looks, for error messages.
TAG_FORM = '"3"'


def etag(version: int) -> str:
    """The strong tag of ``version``."""
    return f'"{version}"'


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
