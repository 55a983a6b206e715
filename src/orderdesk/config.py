"""Settings, read from the environment (prefix ``ORDERDESK_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url

#: Async drivers picked for the URL forms people write.
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
}


def async_database_url(url: str) -> URL:
    """``sqlite:///x.db`` or ``postgresql://u:p@h/db`` -> the same URL on its async driver."""
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername, parsed.drivername)
    return parsed.set(drivername=driver)


#: The shortest ``ORDERDESK_ADMIN_KEY`` accepted: a key anyone may try over the network
#: must be beyond guessing (32 random characters of hex are 128 bits).
ADMIN_KEY_MIN = 32
#: The shortest ``ORDERDESK_TOKEN_SIGNING_KEY`` accepted: an HS256 key must be as long as
#: the hash (RFC 7518 §3.2), and one anyone can forge tokens with must be beyond guessing.
TOKEN_SIGNING_KEY_MIN = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERDESK_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///orderdesk.db",
        description="SQLAlchemy URL; sqlite:///file.db or postgresql://user:pass@host:port/db",
    )
    admin_key: SecretStr | None = Field(
        default=None,
        description="If set, an admin credential with this secret exists for the default "
        f"tenant; at least {ADMIN_KEY_MIN} characters",
    )
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Largest request body")
    body_timeout: float = Field(
        default=15.0,
        gt=0,
        le=3600,
        description="Seconds a request body may take to arrive before the answer is a 408",
    )
    default_tenant: str = Field(
        default="default",
        min_length=1,
        max_length=100,
        description="Name of the tenant made at start",
    )
    token_signing_key: SecretStr | None = Field(
        default=None,
        description="The HS256 key that signs and checks access tokens, at least "
        f"{TOKEN_SIGNING_KEY_MIN} characters; if unset, one is made once and kept in the "
        "database, shared by every process",
    )
    token_ttl: int = Field(
        default=3600, ge=60, le=86400, description="Seconds an access token stays valid"
    )
    token_audience: str = Field(
        default="orderdesk",
        min_length=1,
        max_length=200,
        description="The `aud` claim access tokens carry and must carry",
    )
    token_issuer: str = Field(
        default="orderdesk",
        min_length=1,
        max_length=200,
        description="The `iss` claim access tokens carry and must carry",
    )
    sql_echo: bool = False

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        backend = async_database_url(value).get_backend_name()
        if backend not in {"sqlite", "postgresql"}:
            raise ValueError("database_url must be a sqlite:// or postgresql:// URL")
        return value

    @field_validator("admin_key")
    @classmethod
    def _strong_admin_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < ADMIN_KEY_MIN:
            raise ValueError(
                f"ORDERDESK_ADMIN_KEY must be at least {ADMIN_KEY_MIN} characters: it opens "
                "every admin route to whoever guesses it (make one with `openssl rand -hex 32`)"
            )
        return value

    @field_validator("token_signing_key")
    @classmethod
    def _strong_signing_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < TOKEN_SIGNING_KEY_MIN:
            raise ValueError(
                f"ORDERDESK_TOKEN_SIGNING_KEY must be at least {TOKEN_SIGNING_KEY_MIN} "
                "characters: whoever guesses it can sign access tokens for any key (make one "
                "with `openssl rand -hex 32`, or leave it unset to have one made and kept in "
                "the database)"
            )
        return value

    @property
    def async_url(self) -> URL:
        return async_database_url(self.database_url)


@lru_cache
def get_settings() -> Settings:
    return Settings()
