"""One exception hierarchy for the whole service.

Every error knows its HTTP status, a stable machine-readable ``code`` and a
title; the API turns any of them into an RFC 9457 problem document, and the
compatibility adapters into their vendor's error shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol


@dataclass(frozen=True)
class FieldError:
    """One offending part of a request: where it is and what is allowed there.

    ``pointer`` is a JSON Pointer into the request body (``/lines/0/count``);
    ``parameter`` names a query, path or header parameter instead.
    """

    detail: str
    pointer: str | None = None
    parameter: str | None = None

    def as_dict(self) -> dict[str, str]:
        out = {"detail": self.detail}
        if self.pointer is not None:
            out["pointer"] = self.pointer
        if self.parameter is not None:
            out["parameter"] = self.parameter
        return out


@dataclass
class OrderdeskError(Exception):
    """Base of every error the service answers on purpose."""

    detail: str = ""
    errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    title: ClassVar[str] = "Internal server error"

    def __post_init__(self) -> None:
        super().__init__(self.detail or self.title)


class BadRequest(OrderdeskError):
    status = 400
    code = "bad_request"
    title = "Bad request"


class Unauthorized(OrderdeskError):
    status = 401
    code = "unauthorized"
    title = "Authentication required"


class Forbidden(OrderdeskError):
    status = 403
    code = "forbidden"
    title = "Not allowed"


class NotFound(OrderdeskError):
    status = 404
    code = "not_found"
    title = "Not found"


class MethodNotAllowed(OrderdeskError):
    status = 405
    code = "method_not_allowed"
    title = "Method not allowed"


class NotAcceptable(OrderdeskError):
    status = 406
    code = "not_acceptable"
    title = "Not acceptable"


class RequestTimeout(OrderdeskError):
    status = 408
    code = "request_timeout"
    title = "Request timeout"


class Conflict(OrderdeskError):
    status = 409
    code = "conflict"
    title = "Conflict"


class PreconditionFailed(OrderdeskError):
    status = 412
    code = "precondition_failed"
    title = "Precondition failed"


class PreconditionRequired(OrderdeskError):
    """An update that must say which version it read (``If-Match``) and does not (RFC 6585)."""

    status = 428
    code = "precondition_required"
    title = "Precondition required"


class PayloadTooLarge(OrderdeskError):
    status = 413
    code = "payload_too_large"
    title = "Request body too large"


class UnsupportedMediaType(OrderdeskError):
    status = 415
    code = "unsupported_media_type"
    title = "Unsupported media type"


class ValidationFailed(OrderdeskError):
    """The request is well-formed but breaks a rule; ``errors`` names each part."""

    status = 422
    code = "validation_failed"
    title = "Invalid request"


@dataclass
class TooManyRequests(OrderdeskError):
    """A rate limit is used up. ``headers`` (``Retry-After``, ``RateLimit``,
    ``RateLimit-Policy``) go on the answer whichever surface renders it."""

    headers: dict[str, str] = field(default_factory=dict)

    status = 429
    code = "too_many_requests"
    title = "Too many requests"


class InternalError(OrderdeskError):
    """Nothing the request did wrong: an unexpected failure, logged under its request id."""

    status = 500
    code = "internal_error"
    title = "Internal server error"


def error_for_status(status: int, detail: str) -> OrderdeskError:
    """The error of this hierarchy that answers ``status`` (for errors raised by the framework)."""
    for cls in _all_errors(OrderdeskError):
        if cls.status == status:
            return cls(detail)
    return BadRequest(detail) if 400 <= status < 500 else InternalError(detail)


def _all_errors(cls: type[OrderdeskError]) -> list[type[OrderdeskError]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_all_errors(sub)]
    return found


class VersionedRow(Protocol):
    """An updatable row: its id, and the version SQLAlchemy checks on every UPDATE."""

    @property
    def id(self) -> int: ...
    @property
    def version(self) -> int: ...


def check_version(kind: str, row: VersionedRow, expected: int | None) -> None:
    """The caller saw ``row`` at version ``expected`` (None: it does not say); a later
    version means its change would undo changes it never saw: 412 naming the current one."""
    if expected is not None and expected != row.version:
        raise PreconditionFailed(
            f"{kind} {row.id} is at version {row.version}, not {expected}",
            extra={"version": row.version},
        )


def not_found(kind: str, ident: object) -> NotFound:
    """The one way to say an object is absent (or outside the caller's scope)."""
    return NotFound(f"{kind} {ident} not found")
