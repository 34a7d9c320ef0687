"""Notification mail is batched: at most one mail per user per NOTIFY_EMAIL_BATCH_MINUTES, listing everything
unsent, so 50 finished videos send one mail; only the kinds the user opted into are mailed."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from reviews import notify_services, notify_tasks
from reviews.models import Notification
from videos.lifecycle import job_transition
from videos.models import Video


def _finish(video, new=Video.Status.COMPLETED, reason=""):
    """The lifecycle's event for a video that just ended (what the pipeline sends once committed)."""
    job_transition.send(sender=Video, video_id=video.id, public_id=video.public_id, old=Video.Status.ARCHIVING,
                        new=new, actor=None, reason=reason)  # fmt: skip


def _opt_in(user, **choices):
    defaults = {"email_completed": True, "email_failed": True, "email_mentions": True, "email_reviews": True}
    return notify_services.notify_settings_update(user=user, **{**defaults, **choices})


def test_fifty_finished_videos_send_one_mail(alice, project, make_video):
    _opt_in(alice)
    videos = [make_video(project, alice, prompt=f"Kite number {i}") for i in range(50)]
    for video in videos:
        _finish(video)
    assert Notification.objects.filter(user=alice, mail_pending=True).count() == 50
    assert mail.outbox == []  # nothing is sent as they happen

    notify_tasks.notify_tick()  # the schedule's task

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"] and message.subject == "Sora Studio: 50 updates"
    assert all(f"Kite number {i}" in message.body for i in range(50))
    assert f"/videos/{videos[0].public_id}/" in message.body
    assert not Notification.objects.filter(mail_pending=True).exists()
    notify_tasks.notify_tick()
    assert len(mail.outbox) == 1  # nothing unsent: no mail


def test_at_most_one_mail_per_window_then_the_rest_in_one(alice, project, make_video, settings):
    settings.NOTIFY_EMAIL_BATCH_MINUTES = 10
    _opt_in(alice)
    now = timezone.now()
    _finish(make_video(project, alice, prompt="First"))
    assert notify_services.mails_send_due(now=now) == 1

    for i in range(3):
        _finish(make_video(project, alice, prompt=f"Later {i}"))
    assert notify_services.mails_send_due(now=now + timedelta(minutes=9)) == 0  # inside the window
    assert notify_services.mails_send_due(now=now + timedelta(minutes=10, seconds=1)) == 1

    assert len(mail.outbox) == 2
    assert "Later 0" in mail.outbox[1].body and "Later 2" in mail.outbox[1].body and "First" not in mail.outbox[1].body


def test_only_the_kinds_opted_into_are_mailed(alice, bob, project, make_video):
    _opt_in(alice, email_completed=False)
    _finish(make_video(project, alice, prompt="Done fine"))
    _finish(
        make_video(project, alice, prompt="Went wrong", status=Video.Status.FAILED), Video.Status.FAILED, "moderation"
    )
    video_of_bob = make_video(project, bob, prompt="Bob's")  # bob never opted in
    _finish(video_of_bob)

    notify_services.mails_send_due()

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.com"]
    assert "Went wrong" in mail.outbox[0].body and "Done fine" not in mail.outbox[0].body
    assert Notification.objects.count() == 3  # everything is still under the bell


def test_turning_mail_off_drops_what_was_waiting(alice, project, make_video):
    _opt_in(alice)
    _finish(make_video(project, alice))
    _opt_in(alice, email_completed=False)
    assert notify_services.mails_send_due() == 0 and mail.outbox == []
    assert not Notification.objects.filter(mail_pending=True).exists()


def test_user_text_in_a_mail_is_plain_text(alice, project, make_video):
    _opt_in(alice)
    _finish(make_video(project, alice, prompt="<script>alert(1)</script> & co"))
    notify_services.mails_send_due()
    assert "<script>alert(1)</script> & co" in mail.outbox[0].body  # a text/plain mail: shown as typed, not run
    assert mail.outbox[0].alternatives == []
