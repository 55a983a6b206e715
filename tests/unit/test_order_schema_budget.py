"""The CPU budget of an order's data check counts the check's work, not garbage collections."""

from __future__ import annotations

import gc
import time
from typing import Any

import pytest

from orderdesk.orderschemas.budget import budgeted, spend
from orderdesk.orderschemas.limits import MAX_CHECK_SECONDS, CannotCheck


def _burn(seconds: float) -> None:
    until = time.thread_time() + seconds
    while time.thread_time() < until:
        pass


def test_the_checks_own_work_is_budgeted():
    with budgeted():
        spend()
        _burn(MAX_CHECK_SECONDS * 1.5)
        with pytest.raises(CannotCheck, match="ms of CPU time"):
            spend()


def test_a_long_garbage_collection_is_not_the_checks():
    def slow(phase: str, info: dict[str, Any]) -> None:
        if phase == "stop":  # as a full collection over a big heap can be
            _burn(MAX_CHECK_SECONDS * 1.5)

    gc.callbacks.insert(0, slow)
    try:
        with budgeted():
            gc.collect()
            spend()
    finally:
        gc.callbacks.remove(slow)


def test_outside_a_check_nothing_is_budgeted():
    _burn(MAX_CHECK_SECONDS * 1.5)
    spend()
