"""Too many wrong passwords in a real browser: the studio's own login page says the account is paused and for how
long, and the right password is refused until then."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", "screenshots"))


def _try(page, url, password):
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def test_the_lockout_is_explained_on_the_login_page(live_server, page, alice, settings):
    settings.AXES_FAILURE_LIMIT = 5
    page.set_default_timeout(30_000)
    for _ in range(4):
        _try(page, live_server.url, "not the password")
        assert page.locator("[role=alert]").inner_text().startswith("Please enter a correct username and password")

    _try(page, live_server.url, "not the password")
    banner = page.locator("[data-locked-out]")
    assert banner.is_visible()
    assert "Too many failed log-in attempts." in banner.inner_text()
    assert "Try again in 15 minutes." in banner.inner_text()
    assert page.title() == "Log in · Sora Studio"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "login-locked-out.png"), full_page=True)

    _try(page, live_server.url, PASSWORD)
    assert page.locator("[data-locked-out]").is_visible()
    assert page.url.endswith("/accounts/login/")
