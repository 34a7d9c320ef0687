"""The operators' console at a laptop's 1366 px: the videos and quota-rule changelists fit without a sideways scroll,
and a video's page has no blank label rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from quotas.models import QuotaRule
from tests.e2e.pages import DESKTOP, log_in, media, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def console(live_server, browser, staff, alice, project, make_video):
    files = media(1280, 720)
    for i, status in enumerate(["completed", "failed", "in_progress", "pending", "cancelled"]):
        make_video(project, alice, status=status, prompt=f"A very long prompt number {i} " * 8,
                   upstream_id=f"video_{'x' * 260}{i}", **({"video": files["video"], "thumbnail": files["thumbnail"]}
                                                          if status == "completed" else {}))  # fmt: skip
    QuotaRule.objects.create(user=alice, period="month", max_videos=10, max_seconds=600, max_spend=5,
                             allowed_models=["sora-2", "sora-2-pro"], max_in_flight=2, note="launch month " * 10)  # fmt: skip
    QuotaRule.objects.create(project=project, period="week", max_videos=20, note="team budget")
    context = browser.new_context(viewport=DESKTOP)
    log_in(context, live_server.url, staff)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("changelist", ["admin:videos_video_changelist", "admin:quotas_quotarule_changelist",
                                        "admin:quotas_quotacharge_changelist", "admin:providers_provider_changelist"])
def test_changelists_fit_1366_px(console, live_server, changelist):
    console.goto(live_server.url + reverse(changelist))
    overflow = console.evaluate(
        """() => Math.max(document.documentElement.scrollWidth - document.documentElement.clientWidth,
                          ...[...document.querySelectorAll('#changelist .results')].map(e => e.scrollWidth - e.clientWidth))"""
    )  # the page, and the table inside its own scrolling box (Django's admin wraps it in one)
    shot(console, f"admin-{changelist.split(':')[1]}")
    assert overflow <= 0, f"{changelist} is {overflow} px wider than its room in a 1366 px window"


def test_a_videos_admin_page_has_no_blank_label(console, live_server, alice):
    from videos.models import Video

    video = Video.objects.filter(status="completed").first()
    console.goto(live_server.url + reverse("admin:videos_video_change", args=[video.pk]))
    labels = console.eval_on_selector_all(".form-row label, .form-row .readonly-label, .form-row > div > label",
                                          "els => els.map(e => e.textContent.trim())")  # fmt: skip
    shot(console, "admin-video-change")
    assert labels and all(label not in ("", ":") for label in labels), labels
