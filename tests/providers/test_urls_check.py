"""The addresses the studio never sends to, one rule for providers' base URLs and projects' webhooks
(providers.urls_check.never_reached): link-local and cloud metadata (also written as IPv4-mapped IPv6), multicast,
unspecified, reserved; loopback is a host (a model server on the same machine)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from providers.urls_check import check_base_url
from reviews.notify_webhooks import url_check


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/v1", "http://100.100.100.200/v1", "http://[fd00:ec2::254]/v1",
    "http://[::ffff:169.254.169.254]/v1", "http://metadata.google.internal/v1",
])  # fmt: skip
def test_metadata_addresses_are_refused_to_providers_and_webhooks(url):
    assert check_base_url(url)
    with pytest.raises(ValidationError):
        url_check(url)


@pytest.mark.parametrize("url", ["http://[::1]:8000/v1", "http://127.0.0.1:8000/v1"])
def test_loopback_is_a_host_for_both(url):
    assert check_base_url(url) == ""
    url_check(url)  # with WEBHOOK_ALLOW_PRIVATE (the default)
