"""The admin key and the token signing key must be long enough to be beyond guessing."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from orderdesk.config import Settings

SECRETS = [
    ("admin_key", "ORDERDESK_ADMIN_KEY"),
    ("token_signing_key", "ORDERDESK_TOKEN_SIGNING_KEY"),
]


@pytest.fixture(autouse=True)
def _no_secrets_from_the_environment(monkeypatch):
    for _, variable in SECRETS:
        monkeypatch.delenv(variable, raising=False)


@pytest.mark.parametrize(("field", "variable"), SECRETS)
def test_a_secret_of_31_characters_is_refused_naming_its_variable_and_the_minimum(field, variable):
    with pytest.raises(ValidationError) as refused:
        Settings(**{field: "x" * 31})
    (error,) = refused.value.errors()
    assert error["loc"] == (field,)
    assert variable in error["msg"]
    assert "32" in error["msg"]


@pytest.mark.parametrize(("field", "variable"), SECRETS)
def test_a_secret_of_32_characters_is_accepted(field, variable):
    settings = Settings(**{field: "x" * 32})
    assert getattr(settings, field).get_secret_value() == "x" * 32


@pytest.mark.parametrize(("field", "variable"), SECRETS)
def test_a_short_secret_is_refused_from_the_environment_too(monkeypatch, field, variable):
    monkeypatch.setenv(variable, "x" * 31)
    with pytest.raises(ValidationError, match=variable):
        Settings()


@pytest.mark.parametrize(("field", "variable"), SECRETS)
def test_leaving_a_secret_unset_is_accepted(field, variable):
    assert getattr(Settings(), field) is None
