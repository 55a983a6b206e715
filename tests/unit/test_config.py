"""Settings take the database URLs people write and pick the async driver themselves."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from orderdesk.config import Settings, async_database_url


def test_a_sqlite_file_url_runs_on_aiosqlite():
    url = async_database_url("sqlite:///path/to/file.db")
    assert (url.drivername, url.database) == ("sqlite+aiosqlite", "path/to/file.db")


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg2"])
def test_a_postgresql_url_runs_on_asyncpg_and_keeps_its_parts(scheme):
    url = async_database_url(f"{scheme}://user:secret@db.example:6543/orders")
    assert url.drivername == "postgresql+asyncpg"
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "user",
        "secret",
        "db.example",
        6543,
        "orders",
    )


def test_the_default_database_is_a_sqlite_file_in_the_working_folder(monkeypatch):
    monkeypatch.delenv("ORDERDESK_DATABASE_URL", raising=False)
    assert Settings().async_url.render_as_string() == "sqlite+aiosqlite:///orderdesk.db"


def test_the_database_url_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("ORDERDESK_DATABASE_URL", "postgresql://u@h/db")
    assert Settings().async_url.drivername == "postgresql+asyncpg"


def test_a_database_other_than_sqlite_or_postgresql_is_refused():
    with pytest.raises(ValidationError, match="sqlite:// or postgresql://"):
        Settings(database_url="mysql://u@h/db")
