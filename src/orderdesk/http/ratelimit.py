"""Rate limits, on every surface: per credential once it is authenticated, and per client
address for failed authentications.

- **Per credential** (key: the policy's namespace, tenant id, credential id): every
  authenticated request counts against ``ORDERDESK_RATE_LIMIT`` (the Record Stack
  Overflow surface against ``ORDERDESK_RSO_RATE_LIMIT`` instead, its document's 100
  calls per 15 minutes per token). Past it, the answer is a 429.
- **Per client address**: every credential that fails to authenticate counts against
  ``ORDERDESK_AUTH_FAILURE_RATE_LIMIT`` for the address it came from. Once that is used
  up, every request from the address that needs a credential is a 429 before any
  credential is looked at, so guessing keys stops being an oracle. The address is the
  peer's as the ASGI server reports it (behind a proxy, run uvicorn with
  ``--proxy-headers --forwarded-allow-ips`` so it is the client's, not the proxy's).

``principal_from`` (``orderdesk.http.auth``) calls ``refuse_blocked_address``,
``failed_authentication`` and ``count`` around resolving the credential, so no route can
forget them. A 429 is a ``TooManyRequests`` whose ``headers`` the edge puts on the
answer in any surface's shape: ``Retry-After`` (seconds until the window frees a
request) and the IETF draft's (draft-ietf-httpapi-ratelimit-headers) structured fields
``RateLimit-Policy: "default";q=600;w=60`` and ``RateLimit: "default";r=0;t=<seconds>``,
which agree with it. Answers within the limit carry both fields too, with what remains.

The strategy is the **moving window**: a request counts for exactly one window length
after it was made, so no burst of twice the limit fits across a window boundary (as it
does with a fixed window: the limit at the end of one window and again at the start of
the next). That matters most for the failed-authentication limit, which bounds guessing.
Its cost is one timestamp per counted request per key (at most the limit, 600 by
default) instead of one counter; cheap at these rates, in memory and in Redis alike.
``Retry-After`` is then exact: when the oldest counted request leaves the window.

Counters live in process memory unless ``ORDERDESK_REDIS_URL`` is set, when they live in
that Redis (``limits.aio.storage``), shared by every process of the installation.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from fastapi import FastAPI, Request
from limits import RateLimitItem
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from orderdesk import metrics
from orderdesk.config import Settings
from orderdesk.errors import TooManyRequests
from orderdesk.tenancy.principal import Principal

#: ``request.state`` attribute: headers the edge adds to the answer, whatever it is.
ANSWER_HEADERS = "answer_headers"


@dataclass(frozen=True)
class Policy:
    """One limit: the setting holding its rate, the namespace of its keys and the name
    its ``RateLimit`` fields give it."""

    setting: str
    namespace: str
    name: str = "default"


#: Per credential, on every surface without a policy of its own.
CREDENTIAL = Policy(setting="rate_limit", namespace="credential")
#: Per client address, counting failed authentications.
AUTH_FAILURES = Policy(setting="auth_failure_rate_limit", namespace="auth-failure", name="auth")

#: The schemes of ``ORDERDESK_REDIS_URL`` as ``limits`` names their async storage.
_ASYNC_SCHEMES = {"redis": "async+redis", "rediss": "async+rediss", "unix": "async+redis+unix"}


def storage_for(settings: Settings) -> Storage:
    """Redis when ``ORDERDESK_REDIS_URL`` is set (keys under its prefix), else memory."""
    if not settings.redis_url:
        return MemoryStorage()
    scheme, rest = settings.redis_url.split("://", 1)
    return RedisStorage(
        f"{_ASYNC_SCHEMES[scheme.lower()]}://{rest}",
        implementation="redispy",
        key_prefix=settings.redis_key_prefix,
    )


class RateLimits:
    """The app's limiter (``app.state.rate_limits``): its storage and its parsed rates."""

    def __init__(self, settings: Settings) -> None:
        self.storage = storage_for(settings)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self._settings = settings
        self._rates: dict[str, RateLimitItem | None] = {}

    def rate(self, policy: Policy) -> RateLimitItem | None:
        """``policy``'s rate, or None when its setting is "off"."""
        if policy.setting not in self._rates:
            self._rates[policy.setting] = self._settings.rate(policy.setting)
        return self._rates[policy.setting]

    async def fields(
        self, policy: Policy, rate: RateLimitItem, key: str, *, refused: bool
    ) -> dict[str, str]:
        """``RateLimit-Policy`` and ``RateLimit`` (and when ``refused``, ``Retry-After``)
        for ``key`` now."""
        stats = await self.limiter.get_window_stats(rate, policy.namespace, key)
        remaining = 0 if refused else max(0, stats.remaining)
        # When the oldest counted request leaves the window; a full window from now if
        # nothing is counted (the next request would start one).
        reset = stats.reset_time - time.time() if stats.reset_time else rate.get_expiry()
        seconds = max(1, math.ceil(reset))
        headers = {
            "RateLimit-Policy": f'"{policy.name}";q={rate.amount};w={rate.get_expiry()}',
            "RateLimit": f'"{policy.name}";r={remaining};t={seconds}',
        }
        if refused:
            headers["Retry-After"] = str(seconds)
        return headers

    async def refuse_blocked_address(self, request: Request) -> None:
        """429 if the client's address has used up its failed authentications."""
        rate = self.rate(AUTH_FAILURES)
        if rate is None:
            return
        address = client_address(request)
        if not await self.limiter.test(rate, AUTH_FAILURES.namespace, address):
            metrics.refused(AUTH_FAILURES.namespace)
            headers = await self.fields(AUTH_FAILURES, rate, address, refused=True)
            raise TooManyRequests(
                "too many failed authentications from this address; retry after "
                f"{headers['Retry-After']} seconds",
                headers=headers,
            )

    async def failed_authentication(self, request: Request) -> None:
        """Count a credential that did not authenticate against the client's address."""
        rate = self.rate(AUTH_FAILURES)
        if rate is not None:
            await self.limiter.hit(rate, AUTH_FAILURES.namespace, client_address(request))

    async def count(self, request: Request, principal: Principal, policy: Policy) -> None:
        """Count the request against ``principal``'s credential; 429 past ``policy``'s rate.

        Counted once per request, however many of its dependencies ask for the principal.
        """
        rate = self.rate(policy)
        if rate is None or principal.credential_id is None:
            return
        if getattr(request.state, "rate_counted", False):
            return
        request.state.rate_counted = True
        key = f"{principal.tenant_id}:{principal.credential_id}"
        allowed = await self.limiter.hit(rate, policy.namespace, key)
        headers = await self.fields(policy, rate, key, refused=not allowed)
        if not allowed:
            metrics.refused(policy.namespace)
            raise TooManyRequests(
                f"this credential may make {rate.amount} requests per {rate.get_expiry()} "
                f"seconds; retry after {headers['Retry-After']} seconds",
                headers=headers,
            )
        setattr(request.state, ANSWER_HEADERS, headers)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def install(app: FastAPI, settings: Settings) -> RateLimits:
    """Give ``app`` its limiter (``app.state.rate_limits``)."""
    limits: RateLimits = RateLimits(settings)
    app.state.rate_limits = limits
    return limits


def of(app: FastAPI) -> RateLimits:
    """``app``'s limiter (made from ``app.state.settings`` if ``install`` was not called)."""
    found: RateLimits | None = getattr(app.state, "rate_limits", None)
    return found if found is not None else install(app, app.state.settings)


def answer_headers(request: Request, error: Exception | None = None) -> dict[str, str]:
    """The rate-limit headers the answer to ``request`` carries (the edge adds them)."""
    if isinstance(error, TooManyRequests):
        return error.headers
    found: dict[str, str] = getattr(request.state, ANSWER_HEADERS, None) or {}
    return found
