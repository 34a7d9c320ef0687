"""A webhook URL must be http(s), carry no credentials and never reach a link-local or metadata address; loopback and
private addresses are allowed unless WEBHOOK_ALLOW_PRIVATE is off. A refused URL is a clear message and nothing
is saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews.models import WebhookEndpoint
from reviews.notify_webhooks import url_check

REFUSED = {
    "ftp://example.com/hook": "must start with http:// or https://",
    "javascript:alert(1)": "must start with http:// or https://",
    "file:///etc/passwd": "must start with http:// or https://",
    "http://user:pass@127.0.0.1/hook": "may not contain a user name or password",
    "http://token@127.0.0.1/hook": "may not contain a user name or password",
    "http://169.254.169.254/latest/meta-data/": "link-local or metadata",
    "http://169.254.1.1:8080/": "link-local or metadata",
    "http://[fe80::1]/hook": "link-local or metadata",
    "http://[::ffff:169.254.169.254]/": "link-local or metadata",
    "http://[fd00:ec2::254]/": "link-local or metadata",
    "http://0.0.0.0/hook": "not a host address",
    "http://224.0.0.1/hook": "not a host address",
    "http://240.0.0.1/hook": "not a host address",
    "http://127.0.0.1:99999/": "not a valid address",
    "http://exa mple.com/": "spaces",
    "http:///nohost": "has no host",
    "http://no-such-host.invalid/hook": "could not be found",
    "": "Give the receiver's address",
    "http://example.com/" + "a" * 2000: "at most 2,000 characters",
}


@pytest.mark.parametrize("url", REFUSED)
def test_a_bad_url_is_refused_with_a_clear_message(url):
    with pytest.raises(ValidationError) as caught:
        url_check(url)
    assert REFUSED[url] in caught.value.messages[0]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "https://10.1.2.3/ci", "http://[::1]:9/x",
                                 "http://192.168.1.20/", "http://100.101.102.103/"])  # fmt: skip
def test_loopback_and_private_addresses_are_allowed_by_default_and_refusable(url, settings):
    url_check(url)
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError, match="loopback or private"):
        url_check(url)


def test_the_form_shows_the_reason_and_saves_nothing(client, alice, project):
    client.force_login(alice)
    r = client.post(reverse("reviews:webhook-create", args=[project.public_id]),
                    {"url": "http://169.254.169.254/latest/", "events": ["video.completed"], "enabled": "on"})  # fmt: skip
    assert r.status_code == 400
    assert "resolves to a link-local or metadata address" in r.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_an_update_to_a_bad_url_changes_nothing(client, alice, project):
    from tests.reviews.notify.conftest import make_endpoint

    endpoint, _ = make_endpoint(project, alice, "http://127.0.0.1:9/hook")
    client.force_login(alice)
    prefix = str(endpoint.public_id)
    r = client.post(reverse("reviews:webhook-update", args=[endpoint.public_id]),
                    {f"{prefix}-url": "ftp://example.com/", f"{prefix}-events": ["video.failed"]})  # fmt: skip
    assert r.status_code == 400 and "must start with http:// or https://" in r.content.decode()
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.enabled) == ("http://127.0.0.1:9/hook",
                                                                 ["video.completed", "video.failed", "review.changed"],
                                                                 True)  # fmt: skip
