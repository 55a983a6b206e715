"""A CPU-time budget for checking one order's data, looked at before every keyword.

jsonschema's evaluation cannot be interrupted, but each keyword is a call: the validator's
keywords look at this thread's CPU clock first, so a schema whose evaluation explodes (a
chain of $refs through anyOf doubles per link: 18 links took 39 s) ends in ``CannotCheck``.
Garbage collections are not the check's work and are left out: a full one over a big heap
(300 ms over 300,000 objects in the test run) would refuse ordinary data at random.
"""

from __future__ import annotations

import functools
import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from orderdesk.orderschemas.limits import MAX_CHECK_SECONDS, CannotCheck

Keyword = Callable[[Any, Any, Any, Any], Any]

_deadline: ContextVar[float | None] = ContextVar("order_data_deadline", default=None)
_collecting = threading.local()  # this thread's CPU seconds spent collecting garbage


def _note_collection(phase: str, info: dict[str, Any]) -> None:
    now = time.thread_time()
    if phase == "start":
        _collecting.since = now
    else:
        _collecting.seconds = _spent_collecting() + now - getattr(_collecting, "since", now)


gc.callbacks.append(_note_collection)


def _spent_collecting() -> float:
    return getattr(_collecting, "seconds", 0.0)


def _working() -> float:
    """This thread's CPU clock, garbage collections left out."""
    return time.thread_time() - _spent_collecting()


@contextmanager
def budgeted() -> Iterator[None]:
    """Keywords run in the block may spend MAX_CHECK_SECONDS of this thread's CPU time."""
    token = _deadline.set(_working() + MAX_CHECK_SECONDS)
    try:
        yield
    finally:
        _deadline.reset(token)


def spend() -> None:
    """Raise ``CannotCheck`` once the budget is spent (outside ``budgeted``, never)."""
    deadline = _deadline.get()
    if deadline is not None and _working() > deadline:
        raise CannotCheck(
            f"checking the data against the schema takes more than "
            f"{MAX_CHECK_SECONDS * 1000:.0f} ms of CPU time"
        )


def metered(keyword: Keyword) -> Keyword:
    """``keyword``, looking at the budget before it runs."""

    @functools.wraps(keyword)
    def run(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        spend()
        return keyword(validator, value, instance, schema)

    return run
