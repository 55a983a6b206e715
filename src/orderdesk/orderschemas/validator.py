"""The validator an order's data meets: draft 2020-12, in bounded time.

Patterns run on RE2 and the costly keywords are rewritten (``keywords``), every keyword
looks at a CPU budget (``budget``), and no ``$ref`` is fetched from elsewhere.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

import referencing
from jsonschema import Draft202012Validator, validators
from referencing.exceptions import Unresolvable

from orderdesk.errors import FieldError
from orderdesk.orderschemas import keywords, patterns
from orderdesk.orderschemas.budget import budgeted, metered
from orderdesk.orderschemas.limits import MAX_DETAIL, MAX_VIOLATIONS, CannotCheck

_KEYWORDS = {**Draft202012Validator.VALIDATORS, **keywords.REPLACEMENTS}

OrderDataValidator = validators.extend(
    Draft202012Validator,
    {name: metered(keyword) for name, keyword in _KEYWORDS.items()},
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
        with budgeted():
            # Stop at the cap: data wrong in each of 100,000 items needn't build 100,000 errors.
            errors = list(islice(validator.iter_errors(data), MAX_VIOLATIONS))
    except Unresolvable as error:
        raise CannotCheck(
            f"the schema's reference {getattr(error, 'ref', '')!r} is not in the schema "
            "(references elsewhere are not fetched)"
        ) from error
    except RecursionError as error:
        raise CannotCheck(
            "the schema refers to itself without end, or the data nests too deep for it"
        ) from error
    return [
        FieldError(_shortened(e.message), pointer=at + json_pointer(e.absolute_path))
        for e in sorted(errors, key=lambda e: list(e.absolute_path))
    ]


def _shortened(message: str) -> str:
    """The message's start and end: jsonschema's put the quoted value first, the reason last."""
    if len(message) <= MAX_DETAIL:
        return message
    elided = f" … ({len(message)} characters in all) … "
    keep = (MAX_DETAIL - len(elided)) // 2
    return message[:keep] + elided + message[-keep:]
