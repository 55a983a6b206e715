"""What the core did, to be counted once its transaction commits.

The core says what happened (an order placed, an order moved, an audit record written, a
webhook attempt's outcome) with :func:`note`; ``orderdesk.metrics`` counts the notes of a
session when it commits and drops them when it rolls back, so a request that fails
counts nothing. Labels are names from the configuration (workflow keys, state ids,
surfaces, outcomes), never a value a caller sent.
"""

from __future__ import annotations

from typing import Any

#: ``Session.info`` key of the notes not yet committed: ``(what, labels)`` pairs.
PENDING = "orderdesk.tally"


def note(session: Any, what: str, **labels: str) -> None:
    """Note that ``what`` happened in ``session``'s transaction (a sync or async session)."""
    session.info.setdefault(PENDING, []).append((what, labels))


def take(info: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """The notes kept in a session's ``info``, which no longer holds them."""
    return info.pop(PENDING, None) or []
