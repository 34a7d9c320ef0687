"""Is a base URL one the studio may send keys and prompts to? (An admin's typo must not become SSRF.)"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


def check_base_url(url: str, *, resolve: bool = True) -> str:
    """'' when `url` is an http(s) URL of a host that is not link-local or a cloud metadata address, else why not.

    Loopback and private addresses stay allowed: a self-hosted model server on the same machine or network is the
    normal case. Link-local (169.254.0.0/16, fe80::/10, which holds the cloud metadata services) never is."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "The base URL must start with http:// or https:// and name a host, e.g. https://gateway.example/v1."
    if parts.username or parts.password:
        return "Put no user name or password in the base URL: the key comes from its environment variable."
    host = parts.hostname
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        if host.lower() in ("metadata.google.internal", "metadata"):
            return f"{host} is a cloud metadata address; the studio never sends keys there."
        if not resolve:
            return ""
        try:
            infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
        except (OSError, UnicodeError):
            return ""  # may resolve later (a server not up yet); calls then fail with a clear message
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    for address in addresses:
        if address.is_link_local or str(address) in ("169.254.169.254", "fd00:ec2::254"):
            return f"{host} is a link-local address (cloud metadata lives there); the studio never sends keys there."
        if address.is_multicast or address.is_unspecified or address.is_reserved:
            return f"{host} is not an address a server can have."
    return ""
