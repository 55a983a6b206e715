"""Settings, read from the environment (prefix ``ORDERDESK_``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import limits
from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url

#: How ``ORDERDESK_LOG_FORMAT`` writes log lines: readable, or one JSON object a line.
LogFormat = Literal["text", "json"]
#: The levels ``ORDERDESK_LOG_LEVEL`` and ``serve --log-level`` take, most severe first.
LogLevel = Literal["critical", "error", "warning", "info", "debug"]

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

#: What a rate-limit setting holds to turn its limit off.
RATE_LIMIT_OFF = "off"

#: The URL schemes ``ORDERDESK_REDIS_URL`` may use (TCP, TLS, a Unix socket).
REDIS_SCHEMES = ("redis", "rediss", "unix")


def parse_rate(setting: str, value: str) -> limits.RateLimitItem | None:
    """``value`` of the rate-limit ``setting`` as a ``limits`` rate, or None for "off"."""
    text = value.strip()
    if text.lower() == RATE_LIMIT_OFF:
        return None
    try:
        rate = limits.parse(text)
    except ValueError as exc:
        raise ValueError(
            f"{setting} must be a rate such as '600/minute', '100/15minutes' or "
            f"'10 per second', or 'off'; {value!r} is not one ({exc})"
        ) from None
    if rate.amount < 1:
        raise ValueError(f"{setting} must allow at least one request per window, or be 'off'")
    return rate


class Settings(BaseSettings):
    # A refused value is never repeated in the error: it may be a secret.
    model_config = SettingsConfigDict(
        env_prefix="ORDERDESK_", extra="ignore", hide_input_in_errors=True
    )

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
    idempotency_key_ttl: int = Field(
        default=86400,
        ge=60,
        le=30 * 86400,
        description="Seconds the answer to a write sent with an Idempotency-Key is kept "
        "for its retries; then it is purged and the key may be used again",
    )
    require_if_match: bool = Field(
        default=False,
        description="If true, every update and transition on the native API must send "
        "If-Match with the ETag it read (428 when missing); compatibility surfaces are not "
        "affected",
    )
    sql_echo: bool = False
    log_format: LogFormat = Field(
        default="text",
        description="How log lines are written to stderr: readable key=value lines, or one "
        "JSON object a line",
    )
    log_level: LogLevel = Field(default="info", description="The least severe log line written")
    access_log: bool = Field(
        default=True,
        description="Log a line per request (request id, surface, route template, status, "
        "duration, principal)",
    )
    metrics: bool = Field(
        default=True,
        description="Serve Prometheus metrics at /metrics (no authentication: keep the path "
        "inside the network that scrapes it)",
    )
    shutdown_timeout: int = Field(
        default=30,
        ge=1,
        le=3600,
        description="Seconds `serve` waits, once told to stop, for the requests in flight",
    )
    database_pool_size: int = Field(
        default=10,
        ge=1,
        le=200,
        description="Database connections each server process keeps open; as many again "
        "may open for a burst, and close when it has passed",
    )
    rate_limit: str = Field(
        default="600/minute",
        description="Requests each credential may make in a window (a `limits` rate such as "
        "600/minute or 100/15minutes), or off",
    )
    rso_rate_limit: str = Field(
        default="100/15minutes",
        description="The same for the Record Stack Overflow surface, instead of rate_limit "
        "(its document's 100 calls per 15 minutes per token), or off",
    )
    auth_failure_rate_limit: str = Field(
        default="30/minute",
        description="Failed authentications one client address may make in a window; past "
        "it, every request from that address is a 429 until the window frees; or off",
    )
    redis_url: str | None = Field(
        default=None,
        description="If set (redis://host:port/db, rediss:// or unix://), the rate-limit "
        "counters live in this Redis, shared by every process; else in process memory",
    )
    redis_key_prefix: str = Field(
        default="orderdesk",
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Prefix of every key the rate limits write to Redis",
    )

    webhook_allow_private: bool = Field(
        default=False,
        description="Allow webhook URLs whose host is (or resolves to) a private, loopback, "
        "link-local or otherwise non-public address; for tests and local use only",
    )
    webhook_timeout: float = Field(
        default=10.0, gt=0, le=300, description="Seconds one webhook delivery attempt may take"
    )
    webhook_poll_interval: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="Seconds the worker waits between looks for new events and due deliveries",
    )
    webhook_concurrency: int = Field(
        default=4, ge=1, le=64, description="Webhook deliveries one worker sends at once"
    )
    webhook_secret_overlap: int = Field(
        default=86400,
        ge=0,
        le=30 * 86400,
        description="Seconds a rotated webhook secret keeps signing beside the new one",
    )

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

    @field_validator("rate_limit", "rso_rate_limit", "auth_failure_rate_limit")
    @classmethod
    def _rate(cls, value: str, info: ValidationInfo) -> str:
        parse_rate(f"ORDERDESK_{str(info.field_name).upper()}", value)
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        scheme = value.split("://", 1)[0].lower() if "://" in value else ""
        if scheme not in REDIS_SCHEMES:
            raise ValueError(
                "ORDERDESK_REDIS_URL must be a redis://host:port/db, rediss:// or unix:// URL"
            )
        return value

    def rate(self, field_name: str) -> limits.RateLimitItem | None:
        """The parsed rate of the rate-limit setting ``field_name`` (None when off)."""
        value = getattr(self, field_name)
        return parse_rate(f"ORDERDESK_{field_name.upper()}", value)

    @property
    def async_url(self) -> URL:
        return async_database_url(self.database_url)


@lru_cache
def get_settings() -> Settings:
    return Settings()
