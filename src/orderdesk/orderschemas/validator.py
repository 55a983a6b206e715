"""The validator an order's data meets: draft 2020-12, with patterns evaluated by RE2."""

from __future__ import annotations

from itertools import islice
from typing import Any

from jsonschema import Draft202012Validator, validators

from orderdesk.errors import FieldError
from orderdesk.orderschemas import keywords, patterns
from orderdesk.orderschemas.limits import MAX_VIOLATIONS

OrderDataValidator = validators.extend(
    Draft202012Validator,
    keywords.REPLACEMENTS,
    # Not applied to data (format stays an annotation there), but check_schema uses it.
    format_checker=patterns.format_checker(),
)


def json_pointer(parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def violations(schema: dict[str, Any], data: dict[str, Any], *, at: str) -> list[FieldError]:
    """Each way ``data`` breaks ``schema``, pointed at from ``at`` (e.g. ``/data``).

    Raises ``CannotCheck`` if the schema cannot be evaluated on this data.
    """
    validator = OrderDataValidator(schema)
    # Stop at the cap: data wrong in every one of 100,000 items needn't build 100,000 errors.
    errors = islice(validator.iter_errors(data), MAX_VIOLATIONS)
    return [
        FieldError(e.message, pointer=at + json_pointer(e.absolute_path))
        for e in sorted(errors, key=lambda e: list(e.absolute_path))
    ]
