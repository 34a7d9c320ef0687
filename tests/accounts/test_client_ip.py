"""The client address throttling counts against: the connection's, unless told to trust our proxies' header."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from accounts.throttle import client_ip


def _request(remote="10.0.0.2", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(forwarded="198.51.100.1")) == "10.0.0.2"


@pytest.mark.parametrize(
    "count, forwarded, expected",
    [
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # what a client wrote itself (left) is ignored
        (2, "6.6.6.6, 198.51.100.1, 192.0.2.10", "198.51.100.1"),  # a CDN then our proxy
        (2, "198.51.100.1", "198.51.100.1"),  # fewer entries than proxies: the furthest one there is
        (1, "198.51.100.1:54321", "198.51.100.1"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, " 2001:DB8::2 ", "2001:db8::2"),
        (1, "unknown", "10.0.0.2"),  # unreadable: the connection's address
        (1, "", "10.0.0.2"),
    ],
)
def test_trusted_proxies_name_the_client_from_the_right(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(forwarded=forwarded)) == expected


def test_no_header_behind_a_trusted_proxy_means_the_connections_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request()) == "10.0.0.2"


def test_no_address_at_all_is_none(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(remote="")) is None
