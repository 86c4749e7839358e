"""Outgoing webhook URLs must not reach into our own network (SSRF): http(s) only, and every
address the host resolves to must be public unless the deployment allows private targets."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class UnsafeUrl(ValueError):
    """The URL may not be called; the message says why."""


def check_outbound_url(url: str, *, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise UnsafeUrl("must not carry credentials")
    if allow_private:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError) as err:
        raise UnsafeUrl(f"host {parts.hostname!r} does not resolve: {err}") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise UnsafeUrl(
                f"host {parts.hostname!r} resolves to {address}, a private, loopback or "
                "reserved address (set ALLOW_PRIVATE_WEBHOOKS=true to allow)"
            )
