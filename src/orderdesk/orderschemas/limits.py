"""Bounds on the work an order schema may cost, and the error for data not checkable within them."""

from __future__ import annotations

# Distinct patterns kept compiled across requests; a tenant's schemas have a handful each.
PATTERN_CACHE_SIZE = 512


class CannotCheck(Exception):
    """The data cannot be checked against the schema (the reason is the message)."""
