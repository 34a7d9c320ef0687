"""A member chooses which notifications also come by mail; the page says mail is batched."""

from __future__ import annotations

from django.urls import reverse

from reviews.models import NotifySettings


def test_it_shows_the_choices_off_by_default(client, alice, settings):
    settings.NOTIFY_EMAIL_BATCH_MINUTES = 15
    client.force_login(alice)
    r = client.get(reverse("reviews:notify-settings"))
    page = r.content.decode()
    assert r.status_code == 200 and "at most one mail every 15 minutes" in page
    assert "Email when my video or cut fails" in page and "checked" not in page
    assert not NotifySettings.objects.exists()  # looking saves nothing


def test_saving_the_choices(client, alice):
    client.force_login(alice)
    r = client.post(reverse("reviews:notify-settings"), {"email_failed": "on", "email_mentions": "on"})
    assert r.status_code == 302
    prefs = NotifySettings.objects.get(user=alice)
    assert (prefs.email_completed, prefs.email_failed, prefs.email_mentions, prefs.email_reviews) == (
        False, True, True, False)  # fmt: skip
    client.post(reverse("reviews:notify-settings"), {})
    prefs.refresh_from_db()
    assert not prefs.email_failed and NotifySettings.objects.count() == 1
