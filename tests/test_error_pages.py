"""Our own 403/404/500 and CSRF-failure pages, in the studio's layout, and one log line per 403."""

from __future__ import annotations

import logging
import re
import uuid

from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD


def test_404_is_our_page(client, alice):
    client.force_login(alice)
    r = client.get(f"/videos/{uuid.uuid4()}/")
    body = r.content.decode()
    assert r.status_code == 404
    assert "Sora Studio" in body and 'class="nav' in body


def test_403_is_our_page(client, alice, project, viewer):
    client.force_login(viewer)
    r = client.get(f"/projects/{project.public_id}/videos/new/")
    assert r.status_code == 403 and "Sora Studio" in r.content.decode()


def test_500_renders_without_a_request_context():
    # Django renders 500.html with no context processors: it must not need any.
    assert "Sora Studio" in render_to_string("500.html")


# --- a stale CSRF token -----------------------------------------------------------------------------------------


def _token(client: Client, url: str) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def _stale_post(alice, **extra):
    """alice opens a form, logs out and in again (another tab), then submits the form she opened before."""
    client = Client(enforce_csrf_checks=True)
    token = _token(client, reverse("login"))
    client.post(reverse("login"), {"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token})
    form_token = _token(client, reverse("password_change"))
    client.post(reverse("logout"), {"csrfmiddlewaretoken": form_token})
    token = _token(client, reverse("login"))
    client.post(reverse("login"), {"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token})
    data = {"old_password": PASSWORD, "new_password1": "x", "new_password2": "x", "csrfmiddlewaretoken": form_token}
    return client.post(reverse("password_change"), data, **extra)


def test_a_stale_csrf_token_gets_the_studios_page_with_a_way_back(alice):
    referer = f"http://testserver{reverse('password_change')}"
    r = _stale_post(alice, HTTP_REFERER=referer)

    body = r.content.decode()
    assert r.status_code == 403
    assert 'class="nav' in body and "<title>Form expired · Sora Studio</title>" in body
    assert "CSRF verification failed" not in body
    assert "This form has expired" in body and "nothing was saved" in body
    assert f'href="{referer}" data-csrf-back>Go back and submit again</a>' in body
    assert "data-keep-drafts" in body  # the draft script keeps what was typed
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_the_way_back_never_leads_off_the_site(alice):
    r = _stale_post(alice, HTTP_REFERER="https://evil.example/phish")
    assert 'href="/" data-csrf-back>' in r.content.decode()


def test_a_missing_csrf_cookie_says_cookies_are_needed(db):
    r = Client(enforce_csrf_checks=True).post(reverse("password_reset"), {"email": "a@example.com"})
    assert r.status_code == 403 and "allow them" in r.content.decode()


# --- one line per 403 -------------------------------------------------------------------------------------------


def _forbidden_records(caplog):
    return [rec for rec in caplog.records if getattr(rec, "status_code", None) == 403]


def test_a_csrf_failure_logs_one_line_with_path_user_and_reason(alice, caplog):
    with caplog.at_level(logging.WARNING):
        _stale_post(alice)

    (record,) = _forbidden_records(caplog)
    assert record.getMessage() == (
        f"Forbidden: path={reverse('password_change')} user={alice.pk} reason=CSRF: CSRF token from POST incorrect."
    )
    assert record.exc_info is None


def test_a_permission_denied_logs_one_line_not_a_traceback(client, project, viewer, caplog):
    client.force_login(viewer)
    with caplog.at_level(logging.WARNING):
        r = client.get(f"/projects/{project.public_id}/videos/new/")
    assert r.status_code == 403

    (record,) = _forbidden_records(caplog)
    message = logging.Formatter("%(levelname)s %(name)s: %(message)s").format(record)
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(f"WARNING django.request: Forbidden: path=/projects/{project.public_id}/videos/new/ user={viewer.pk} reason=")
    assert "reason=-" not in message


def test_an_anonymous_403_logs_a_dash_for_the_user(db, caplog):
    with caplog.at_level(logging.WARNING):
        Client(enforce_csrf_checks=True).post(reverse("password_reset"), {"email": "a@example.com"})
    (record,) = _forbidden_records(caplog)
    assert record.getMessage() == f"Forbidden: path={reverse('password_reset')} user=- reason=CSRF: CSRF cookie not set."
