r"""Order-schema patterns by RE2, whose matching time is linear in the input.

JSON Schema patterns are unanchored ECMA-262 regexes, so, like jsonschema's own keywords,
``search`` searches. RE2 takes neither backreferences nor lookaround: a schema using them is
refused when saved (the ``regex`` format check below is what refuses it). ECMA-262's
``\uXXXX`` and ``\u{X}`` escapes are spelled as RE2's ``\x{X}`` first.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import re2
from jsonschema import Draft202012Validator, FormatChecker

from orderdesk.orderschemas.budget import spend
from orderdesk.orderschemas.limits import MAX_SEARCH_WORK, PATTERN_CACHE_SIZE, CannotCheck

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is answered to the client; stderr needn't hear


def _utf8(text: str) -> bytes:
    # JSON strings may hold lone surrogates; RE2 sees them as invalid UTF-8 and moves on.
    return text.encode("utf-8", "surrogatepass")


# RE2 spells ECMA-262's \uXXXX and \u{X} as \x{X}; re took \uXXXX, so saved schemas use it.
_ESCAPE = re.compile(
    r"""\\\\                                       # an escaped backslash, kept as it is
    | \\u(D[89AB][0-9A-F]{2})\\u(D[C-F][0-9A-F]{2})  # a surrogate pair: one code point
    | \\u([0-9A-F]{4}) | \\u\{([0-9A-F]{1,6})\}     # one code unit, one code point""",
    re.IGNORECASE | re.VERBOSE,
)


def _spelled_for_re2(escape: re.Match[str]) -> str:
    high, low, unit, point = escape.groups()
    if high:
        return f"\\x{{{0x10000 + (int(high, 16) - 0xD800) * 0x400 + int(low, 16) - 0xDC00:X}}}"
    if unit or point:
        return f"\\x{{{unit or point}}}"
    return escape[0]


@functools.lru_cache(maxsize=PATTERN_CACHE_SIZE)
def compiled(pattern: str) -> Any:
    """``pattern`` compiled by RE2 (once); raises ``re2.error`` if RE2 cannot take it."""
    return re2.compile(_utf8(_ESCAPE.sub(_spelled_for_re2, pattern)), _OPTIONS)


def reason(error: Exception) -> str:
    """RE2's own words for why it refused a pattern."""
    message = error.args[0] if error.args else error
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches anywhere in ``text``."""
    spend()  # one patternProperties keyword may search every key of a big object
    try:
        regexp = compiled(pattern)
    except re2.error as error:  # a schema saved before patterns had to suit RE2
        raise CannotCheck(
            f"the schema's pattern {pattern!r} is not one RE2 takes ({reason(error)}); "
            "its owner must change it"
        ) from error
    subject = _utf8(text)
    if len(subject) * regexp.programsize > MAX_SEARCH_WORK:  # one search cannot be interrupted
        raise CannotCheck(
            f"a string of {len(subject)} bytes is too long to check against pattern {pattern!r}"
            f" (at most {MAX_SEARCH_WORK // regexp.programsize} bytes for it)"
        )
    return regexp.search(subject) is not None


def _is_regex(instance: object) -> bool:
    if isinstance(instance, str):
        compiled(instance)  # raises re2.error, which the format checker reports
    return True


def format_checker() -> FormatChecker:
    """Draft 2020-12's format checks, with ``regex`` meaning "RE2 takes it"."""
    checker = FormatChecker(formats=())
    for name, (check, raises) in Draft202012Validator.FORMAT_CHECKER.checkers.items():
        checker.checks(name, raises)(check)
    checker.checks("regex", raises=re2.error)(_is_regex)
    return checker
