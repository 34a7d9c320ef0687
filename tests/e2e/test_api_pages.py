"""The API token pages in a real browser: a member makes a token (shown once), it works with the openai SDK at the
base_url the guide page shows, and revoking it from the page refuses it."""

from __future__ import annotations

import openai
import pytest

from tests.e2e.pages import DESKTOP, PHONE, log_in, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_make_use_and_revoke_a_token(browser, live_server, alice, project, viewport):
    context = browser.new_context(viewport=viewport)
    log_in(context, live_server.url, alice)
    page = context.new_page()
    page.set_default_timeout(30_000)

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="API", exact=True).click()
    page.get_by_label("Name").fill("nightly renders")
    page.get_by_label("Project").select_option(label=f"{project.name} · owner")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").inner_text().strip()
    assert token.startswith("sst_")
    shot(page, f"api-token-created-{viewport['width']}")

    page.get_by_role("link", name="How to use a token with the openai SDK").click()
    snippet = page.locator("#snippet-python").inner_text()
    base_url = snippet.split('base_url="', 1)[1].split('"', 1)[0]
    assert base_url == f"{live_server.url}/v1"
    shot(page, f"api-guide-{viewport['width']}")
    client = openai.OpenAI(base_url=base_url, api_key=token, max_retries=0)
    assert client.videos.list().data == []

    page.goto(f"{live_server.url}/settings/api-tokens/")
    assert token not in page.content()  # shown once only
    page.get_by_role("button", name="Revoke").click()
    page.wait_for_selector("text=is revoked")
    with pytest.raises(openai.AuthenticationError):
        client.videos.list()
    context.close()
