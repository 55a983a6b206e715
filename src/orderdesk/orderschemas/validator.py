"""The validator an order's data meets: draft 2020-12, with patterns evaluated by RE2."""

from __future__ import annotations

from itertools import islice
from typing import Any

import referencing
from jsonschema import Draft202012Validator, validators
from referencing.exceptions import Unresolvable

from orderdesk.errors import FieldError
from orderdesk.orderschemas import keywords, patterns
from orderdesk.orderschemas.limits import MAX_VIOLATIONS, CannotCheck

OrderDataValidator = validators.extend(
    Draft202012Validator,
    keywords.REPLACEMENTS,
    # Not applied to data (format stays an annotation there), but check_schema uses it.
    format_checker=patterns.format_checker(),
)

# The metaschemas and the schema's own parts only: jsonschema's default registry fetches any
# other $ref with urlopen, without a timeout, from inside the request.
_NOT_FETCHING = referencing.Registry()


def json_pointer(parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def violations(schema: dict[str, Any], data: dict[str, Any], *, at: str) -> list[FieldError]:
    """Each way ``data`` breaks ``schema``, pointed at from ``at`` (e.g. ``/data``).

    Raises ``CannotCheck`` if the schema cannot be evaluated on this data.
    """
    validator = OrderDataValidator(schema, registry=_NOT_FETCHING)
    try:
        # Stop at the cap: data wrong in every one of 100,000 items needn't build 100,000 errors.
        errors = list(islice(validator.iter_errors(data), MAX_VIOLATIONS))
    except Unresolvable as error:
        raise CannotCheck(
            f"the schema's reference {getattr(error, 'ref', '')!r} is not in the schema "
            "(references elsewhere are not fetched)"
        ) from error
    return [
        FieldError(e.message, pointer=at + json_pointer(e.absolute_path))
        for e in sorted(errors, key=lambda e: list(e.absolute_path))
    ]
