"""The edge's check of JSON bodies: the pointers it names, and what it leaves to the parser."""

import pytest

from orderdesk.http.inputs import json_body_error

DEEP = "/a" * 31  # the 32nd level's pointer: the body is the first


def pointers(body: bytes) -> list[str] | None:
    error = json_body_error(body)
    return None if error is None else [e.pointer or "" for e in error.errors]


@pytest.mark.parametrize(
    "body",
    [b"5", b"null", b'"text"', b"[]", b'{"a": [1, 2.5, true, null, "\\n\\t\\r"]}', b"{", b""],
    ids=["number", "null", "string", "empty list", "plain", "malformed", "empty"],
)
def test_a_body_within_the_rules_or_not_json_is_left_to_the_parser(body):
    assert json_body_error(body) is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'"a\\u0000"', [""]),
        (b'{"a": ["ok", "\\ud83d"]}', ["/a/1"]),
        (b'{"a/b": {"c~d": "\\b"}}', ["/a~1b/c~0d"]),
        (b'{"k\\u0001": {"hidden": "\\u0000"}}', [""]),
        ('{"a": "\ufffe"}'.encode(), ["/a"]),
    ],
    ids=["top-level", "lone-surrogate", "escaped-pointer", "bad-key", "raw-u+fffe"],
)
def test_each_string_or_key_holding_unsayable_text_is_named(body, expected):
    assert pointers(body) == expected


def test_encoded_surrogates_and_other_encodings_are_read_as_the_parser_reads_them():
    assert pointers(b'{"a": "\xed\xa0\x80"}') == ["/a"]
    assert pointers('{"a": "\\u0000"}'.encode("utf-16")) == ["/a"]


@pytest.mark.parametrize("levels", [32, 900, 100_000], ids=["just-past", "deep", "past-the-parser"])
def test_nesting_past_the_bound_names_the_first_level_too_deep(levels):
    body = b"[" + b'{"a": ' * levels + b"1" + b"}" * levels + b"]"
    assert pointers(body) == ["/0" + DEEP]


def test_nesting_up_to_the_bound_passes():
    levels = 31
    assert json_body_error(b'{"a": ' * levels + b"[1]" + b"}" * levels) is None
