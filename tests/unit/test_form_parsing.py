"""Form bodies with bracket notation become the JSON document they spell; Accept picks XML."""

import pytest

from orderdesk.errors import BadRequest
from orderdesk.http.content import MAX_DEPTH, MAX_FORM_FIELDS, negotiate, parse_form


def test_flat_fields_become_an_object_of_strings():
    assert parse_form(b"name=Clinic&active=true") == {"name": "Clinic", "active": "true"}


def test_an_empty_body_is_an_empty_object():
    assert parse_form(b"") == {}


def test_values_are_url_decoded():
    assert parse_form(b"name=North+Clinic%21&city=S%C3%A3o+Paulo") == {
        "name": "North Clinic!",
        "city": "São Paulo",
    }


def test_encoded_brackets_nest_like_literal_ones():
    assert parse_form(b"address%5Bcity%5D=Boston") == {"address": {"city": "Boston"}}


def test_blank_values_are_kept():
    assert parse_form(b"memo=&name=x") == {"memo": "", "name": "x"}


def test_brackets_nest_objects():
    body = b"address[city]=Boston&address[zip_code]=02110&a[b][c]=deep"
    assert parse_form(body) == {
        "address": {"city": "Boston", "zip_code": "02110"},
        "a": {"b": {"c": "deep"}},
    }


def test_numbered_brackets_become_list_positions_in_numeric_order():
    body = b"rows[10][id]=ten&rows[2][id]=two&rows[0][id]=zero&rows[0][count]=3"
    assert parse_form(body) == {
        "rows": [{"id": "zero", "count": "3"}, {"id": "two"}, {"id": "ten"}]
    }


def test_the_bracketed_seed_example_parses():
    body = b"billing_info[0][billing_city]=Oslo&billing_info[0][billing_zip]=0150"
    assert parse_form(body) == {"billing_info": [{"billing_city": "Oslo", "billing_zip": "0150"}]}


def test_empty_brackets_append_to_a_list():
    assert parse_form(b"tags[]=rush&tags[]=vip") == {"tags": ["rush", "vip"]}


def test_a_single_empty_bracket_still_makes_a_list():
    assert parse_form(b"tags[]=rush") == {"tags": ["rush"]}


def test_a_plain_key_sent_twice_becomes_a_list():
    assert parse_form(b"tag=a&tag=b&tag=c") == {"tag": ["a", "b", "c"]}


def test_numbered_scalars_become_a_list():
    assert parse_form(b"codes[1]=B&codes[0]=A") == {"codes": ["A", "B"]}


def test_an_object_with_non_numeric_keys_stays_an_object():
    assert parse_form(b"data[1]=x&data[b]=y") == {"data": {"1": "x", "b": "y"}}


@pytest.mark.parametrize("name", [b"a]b", b"a[b", b"[a]", b"a[b]c", b"a[[b]]"])
def test_a_malformed_field_name_is_a_bad_request(name):
    with pytest.raises(BadRequest) as caught:
        parse_form(name + b"=1")
    assert caught.value.errors and caught.value.errors[0].pointer


def test_a_field_given_as_value_and_object_is_a_bad_request():
    with pytest.raises(BadRequest) as caught:
        parse_form(b"address=x&address[city]=Boston")
    assert caught.value.errors[0].pointer == "/address"


def test_nesting_is_bounded():
    ok = b"a" + b"[x]" * (MAX_DEPTH - 1) + b"=1"
    assert parse_form(ok)
    with pytest.raises(BadRequest):
        parse_form(b"a" + b"[x]" * MAX_DEPTH + b"=1")


def test_the_number_of_fields_is_bounded():
    assert len(parse_form(b"&".join(b"f%d=1" % n for n in range(MAX_FORM_FIELDS)))) == (
        MAX_FORM_FIELDS
    )
    with pytest.raises(BadRequest):
        parse_form(b"&".join(b"f%d=1" % n for n in range(MAX_FORM_FIELDS + 1)))


def test_a_body_that_is_not_utf8_is_a_bad_request():
    with pytest.raises(BadRequest):
        parse_form(b"name=\xff\xfe")


# --- negotiate (the native surface's offer) --------------------------------

NATIVE = ("application/json", "application/xml", "text/xml")


def prefers_xml(accept: str) -> bool:
    return negotiate(accept, NATIVE) in ("application/xml", "text/xml")


@pytest.mark.parametrize(
    "accept",
    [
        "application/xml",
        "text/xml",
        "application/problem+xml",
        "application/xml, application/json",
        "application/json;q=0.9, application/xml",
        "application/xml; charset=utf-8",
        "text/html, application/xml;q=0.9, */*;q=0.8",
        " APPLICATION/XML ",
    ],
)
def test_xml_is_preferred(accept):
    assert prefers_xml(accept) is True


@pytest.mark.parametrize(
    "accept",
    [
        "",
        "*/*",
        "application/json",
        "application/problem+json",
        "application/xml;q=0.5, application/json",
        "application/xml;q=0.5, */*",
        "application/xml;q=0",
        "application/xml;q=zero",
        "application/*, application/xml;q=0.1",
    ],
)
def test_json_is_preferred_or_xml_is_not_asked_for(accept):
    assert prefers_xml(accept) is False


@pytest.mark.parametrize(
    "accept", ["text/html", "image/png, audio/*", "application/json;q=0, application/xml;q=0"]
)
def test_nothing_offered_is_acceptable(accept):
    assert negotiate(accept, NATIVE) is None


def test_a_more_specific_range_overrides_a_wildcard():
    assert negotiate("*/*;q=1, application/json;q=0", NATIVE) == "application/xml"


def test_a_suffix_type_asks_for_its_syntax():
    assert negotiate("application/vnd.example+xml", NATIVE) == "application/xml"
