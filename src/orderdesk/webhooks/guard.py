"""Where a webhook may point: http(s) URLs on public addresses only (OWASP API7, SSRF).

A host that is, or resolves to, a private, loopback, link-local, multicast, reserved
or otherwise non-global address is refused unless ``ORDERDESK_WEBHOOK_ALLOW_PRIVATE``
is set. The check runs when a subscription is made or changed, and again before each
delivery, because what a name resolves to may change.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

from orderdesk.webhooks.models import URL_MAX

SCHEMES = ("http", "https")


class RefusedURL(ValueError):
    """The URL may not receive webhooks; the message says why, and never repeats it."""


def parsed(url: str) -> SplitResult:
    """``url`` split, if its form is acceptable (scheme, host, no credentials in it)."""
    if len(url) > URL_MAX:
        raise RefusedURL(f"must be at most {URL_MAX} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedURL("must be an absolute http:// or https:// URL") from None
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise RefusedURL("must be an absolute http:// or https:// URL with a host")
    if parts.username is not None or parts.password is not None:
        raise RefusedURL("must not carry a user name or password")
    if port == 0:
        raise RefusedURL("must name a port from 1 to 65535")
    return parts


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def check_url(url: str, *, allow_private: bool) -> None:
    """Raise ``RefusedURL`` unless webhooks may be sent to ``url``."""
    parts = parsed(url)
    if allow_private:
        return
    host = parts.hostname or ""
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [host]
    else:
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                host, parts.port or 443, type=socket.SOCK_STREAM
            )
        except (OSError, UnicodeError):
            raise RefusedURL("its host does not resolve") from None
        addresses = [str(info[4][0]) for info in found]
    if not addresses or not all(_public(a) for a in addresses):
        raise RefusedURL(
            "must point to a public address: private, loopback, link-local, multicast and "
            "reserved ranges are refused"
        )
