"""What counts as a hub address: checked where policy is read and where the worker types it."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


class BadAddress(ValueError):
    """The hub address cannot be used: ``reason`` is "form", "scheme" or "plain_http"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_address(address: str) -> str:
    """The hub's base URL without a trailing slash. Only HTTPS, or plain HTTP to this very
    machine (a hub on loopback): summaries never cross a network unencrypted."""
    text = address.strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname
        _ = parts.port  # a bad port raises here
    except ValueError:
        raise BadAddress("form") from None
    if parts.scheme not in ("https", "http"):
        raise BadAddress("scheme")
    if not host or parts.query or parts.fragment or parts.username or parts.password:
        raise BadAddress("form")
    if parts.scheme == "http" and not _is_loopback(host):
        raise BadAddress("plain_http")
    return text.rstrip("/")
