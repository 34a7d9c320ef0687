"""A stale security token in a real browser: alice types a prompt, logs out and in again in another tab, submits,
gets the studio's "form expired" page (not Django's yellow one), goes back, and her prompt is still there; once a
submit goes through, the draft is gone."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", "screenshots"))
PROMPT = "Close-up of a lighthouse keeper winding the lamp at dusk, warm light, slow push-in"
DRAFT_KEYS = "Object.keys(sessionStorage).filter((k) => k.startsWith('studio-draft'))"


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _log_in(page, url):
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{url}/")


def _log_in_again_in_another_tab(context, url, *, log_out_first=True):
    """What renews the security token: a new login (Django rotates the CSRF token at login)."""
    other = context.new_page()
    if log_out_first:
        other.goto(f"{url}/accounts/projects/")
        other.click(".nav-user form button[type=submit]")
        other.wait_for_url(re.compile(r".*/accounts/login/$"))
    _log_in(other, url)
    other.close()


def test_a_stale_token_keeps_the_typed_prompt(studio, page, context, alice, project):
    page.set_default_timeout(30_000)
    create_url = f"{studio.url}/projects/{project.public_id}/videos/new/"
    _log_in(page, studio.url)
    page.goto(create_url)
    page.fill("textarea[name=prompt]", PROMPT)
    page.select_option("select[name=size]", "1280x720")

    _log_in_again_in_another_tab(context, studio.url)
    page.click(".create-form button[type=submit]")

    page.wait_for_selector("text=This form has expired")
    assert "CSRF verification failed" not in page.content()
    assert page.title() == "Form expired · Sora Studio"
    _shot(page, "csrf-1-expired")

    page.click("text=Go back and submit again")
    page.wait_for_url(create_url)
    assert page.input_value("textarea[name=prompt]") == PROMPT
    assert page.input_value("select[name=size]") == "1280x720"
    assert page.inner_text("[data-prompt-count]") == str(len(PROMPT))  # the page's own script saw the restore
    _shot(page, "csrf-2-back-with-draft")

    page.click(".create-form button[type=submit]")  # a fresh token this time
    page.wait_for_url(re.compile(r".*/videos/[0-9a-f-]{36}/$"))
    assert PROMPT in page.content()
    assert page.evaluate(DRAFT_KEYS) == []  # a submit that went through drops the draft
    page.goto(create_url)
    assert page.input_value("textarea[name=prompt]") == ""


def test_the_reset_form_keeps_its_draft_through_a_stale_token_too(studio, page, context, alice):
    # The reset form carries data-keep-draft in its own template (no stand-in needed).
    page.set_default_timeout(30_000)
    reset_url = f"{studio.url}/accounts/password_reset/"
    page.goto(reset_url)
    page.fill("input[name=email]", "alice@example.com")

    _log_in_again_in_another_tab(context, studio.url, log_out_first=False)  # a login renews the token here too
    page.click("form[data-keep-draft] button[type=submit]")
    page.wait_for_selector("text=This form has expired")
    page.click("text=Go back and submit again")
    page.wait_for_url(reset_url)
    assert page.input_value("input[name=email]") == "alice@example.com"

    page.click("form[data-keep-draft] button[type=submit]")
    page.wait_for_selector("text=Check your email")
    assert page.evaluate(DRAFT_KEYS) == []
