"""Is a base URL one the studio may send keys and prompts to? (An admin's typo must not become SSRF.)"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

# Where cloud metadata services answer (besides the link-local range): never reached by the studio, whatever else
# it allows (providers' base URLs, projects' webhooks).
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata"})
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"))


def host_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The address a connection reaches (an IPv4-mapped IPv6 address is its IPv4 one)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def never_reached(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """'' for an address the studio may send to, else what it is: "link-local" (cloud metadata lives there, or a
    metadata address) or "not a host" (multicast, unspecified, reserved; loopback is a host)."""
    ip = host_address(ip)
    if ip.is_link_local or ip in METADATA_ADDRESSES:
        return "link-local"
    if ip.is_multicast or ip.is_unspecified or (ip.is_reserved and not ip.is_loopback):
        return "not a host"
    return ""


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
        if host.lower() in METADATA_HOSTS:
            return f"{host} is a cloud metadata address; the studio never sends keys there."
        if not resolve:
            return ""
        try:
            infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
        except (OSError, UnicodeError):
            return ""  # may resolve later (a server not up yet); calls then fail with a clear message
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    for address in addresses:
        kind = never_reached(address)
        if kind == "link-local":
            return f"{host} is a link-local address (cloud metadata lives there); the studio never sends keys there."
        if kind:
            return f"{host} is not an address a server can have."
    return ""
