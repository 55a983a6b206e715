"""Bounds on the work an order schema may cost, and the error for data not checkable within them.

Saving runs the metaschema over the schema (about 0.3 ms per subschema here), so its size is
bounded three ways; checking an order's data is bounded by CPU time, since a small schema
can still explode ($refs through anyOf) or meet huge data.
"""

from __future__ import annotations

from orderdesk.schemas import DEPTH_MAX

# A schema arrives one level down in its request body, whose nesting the edge bounds.
MAX_SCHEMA_DEPTH = DEPTH_MAX - 1
# Objects and arrays in a schema: the metaschema check costs ~0.3 ms each, so ~0.3 s at most.
MAX_SCHEMA_NODES = 1000
# Compact UTF-8 JSON: real order forms are a few KiB; this also bounds long strings and patterns.
MAX_SCHEMA_BYTES = 32 * 1024
# CPU time checking one order's data may take: a 200-field form takes ~2 ms, 4,000 objects ~70.
MAX_CHECK_SECONDS = 0.1
# Characters of a violation's message kept: jsonschema quotes the offending value whole.
MAX_DETAIL = 300
# Violations reported (and built) per order: enough to fix the data, not a report per item.
MAX_VIOLATIONS = 50
# UTF-8 bytes searched times RE2 program size, per search: linear is not cheap when both are
# big; ~50 ms at the slowest rate measured (~50 ns/unit, RE2's DFA thrashing into its NFA).
MAX_SEARCH_WORK = 1_000_000
# Distinct patterns kept compiled across requests; a tenant's schemas have a handful each.
PATTERN_CACHE_SIZE = 512


class CannotCheck(Exception):
    """The data cannot be checked against the schema (the reason is the message)."""
