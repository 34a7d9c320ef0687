"""Times: a fresh video says "just now", never "0 minutes ago"; every time is a <time datetime> the page's script
shows in the viewer's zone (issue item 18; the browser part is in tests/e2e/test_pages.py)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from videos.models import Video
from videos.templatetags.studio_ui import ago


def test_ago_says_just_now_under_a_minute_and_then_counts():
    now = timezone.now()
    assert ago(now, now) == "just now"
    assert ago(now - timedelta(seconds=59), now) == "just now"
    assert ago(now + timedelta(seconds=5), now) == "just now"  # a clock a little ahead
    assert ago(now - timedelta(seconds=61), now) == "1\xa0minute ago"
    assert ago(now - timedelta(days=2, hours=3), now) == "2\xa0days ago"


def test_a_new_cards_time_is_just_now(client, alice, project, make_video):
    make_video(project, alice)
    client.force_login(alice)
    body = client.get(reverse("videos:gallery")).content.decode()
    assert "0\xa0minutes" not in body and "0 minutes" not in body
    assert re.search(r'<time datetime="[^"]+" data-local="ago">just now</time>', body)


def test_the_video_page_marks_its_times_for_the_local_time_script(client, alice, project, make_video):
    video = make_video(project, alice, completed_at=timezone.now())
    Video.objects.filter(id=video.id).update(created_at=timezone.now() - timedelta(hours=2))
    client.force_login(alice)
    body = client.get(reverse("videos:detail", args=[video.public_id])).content.decode()
    stamps = re.findall(r'<time datetime="([^"]+)" data-local="datetime">([^<]+)</time>', body)
    assert len(stamps) >= 2 and all(text.endswith(" UTC") for _, text in stamps)
    assert "local-time.js" in body
