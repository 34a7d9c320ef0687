"""Writes for notifications: made from the studio's events (reviews/notify_receivers.py), read and marked read by
their user, mailed in batches (at most one mail per user per NOTIFY_EMAIL_BATCH_MINUTES, summarising everything
unsent), and the events the project's webhooks carry (reviews/notify_webhooks.py)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from reviews import notify_webhooks
from reviews.models import Notification, NotifySettings
from videos.models import Video

log = logging.getLogger(__name__)
Kind = Notification.Kind
MAIL_ITEMS_MAX = 100  # a mail lists at most this many (and says how many more)


def _excerpt(text: str, n: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def target_url(notification: Notification) -> str:
    if notification.target_type == Notification.Target.CUT:
        return reverse("storyboards:cut", args=[notification.target_id])
    return reverse("videos:detail", args=[notification.target_id])


def settings_for(user) -> NotifySettings:
    found = NotifySettings.objects.filter(user=user).first()
    return found or NotifySettings(user=user)


@transaction.atomic
def notification_create(*, user, kind: str, project, target_type: str, target_id: UUID, text: str) -> Notification:
    prefs = settings_for(user)
    notification = Notification(user=user, kind=kind, project=project, target_type=target_type, target_id=target_id,
                                text=text[:500], mail_pending=bool(user.email) and prefs.wants_mail(kind))  # fmt: skip
    notification.full_clean()
    notification.save()
    return notification


# ---------------------------------------------------------------------------------------------------------------
# From the studio's events
# ---------------------------------------------------------------------------------------------------------------
def _video_data(video: Video) -> dict:
    return {
        "object": "video", "id": str(video.public_id), "project": str(video.project.public_id),
        "status": video.status, "model": video.model, "size": video.size, "seconds": video.seconds,
        "url": settings.SITE_URL.rstrip("/") + reverse("videos:detail", args=[video.public_id]),
    }  # fmt: skip


def video_outcome_notify(*, video_id: int, new: str, reason: str = "") -> Notification | None:
    """A video completed or failed: its owner is told, and the project's webhooks get video.completed/failed."""
    video = Video.objects.select_related("project", "owner").filter(id=video_id).first()
    if video is None or new not in (Video.Status.COMPLETED, Video.Status.FAILED):
        return None
    completed = new == Video.Status.COMPLETED
    text = (f"Your video “{_excerpt(video.prompt)}” is ready." if completed
            else f"Your video “{_excerpt(video.prompt)}” failed: {_excerpt(reason or video.error_message, 200)}")  # fmt: skip
    with transaction.atomic():
        made = None
        if _member(video.owner_id, video.project_id):  # someone removed from the project is told nothing of it
            made = notification_create(
                user=video.owner, kind=Kind.VIDEO_COMPLETED if completed else Kind.VIDEO_FAILED, project=video.project,
                target_type=Notification.Target.VIDEO, target_id=video.public_id, text=text,
            )  # fmt: skip
        data = _video_data(video)
        if not completed:
            data["error"] = (reason or video.error_message)[:500]
        notify_webhooks.event_emit(project_id=video.project_id, event=str(Kind.VIDEO_COMPLETED if completed
                                                                          else Kind.VIDEO_FAILED), data=data)  # fmt: skip
    return made


def cut_outcome_notify(*, cut_id: int, new: str, error: str = "") -> Notification | None:
    """A final cut completed or failed: the member who asked for it is told."""
    from storyboards.models import FinalCut

    cut = FinalCut.objects.select_related("storyboard__project", "created_by").filter(id=cut_id).first()
    if cut is None or cut.created_by is None or new not in (FinalCut.Status.COMPLETED, FinalCut.Status.FAILED):
        return None
    if not _member(cut.created_by_id, cut.storyboard.project_id):  # removed from the project since
        return None
    board = _excerpt(cut.storyboard.title)
    completed = new == FinalCut.Status.COMPLETED
    text = (f"Cut {cut.number} of “{board}” is ready." if completed
            else f"Cut {cut.number} of “{board}” failed: {_excerpt(error or cut.error_message, 200)}")  # fmt: skip
    return notification_create(
        user=cut.created_by, kind=Kind.CUT_COMPLETED if completed else Kind.CUT_FAILED,
        project=cut.storyboard.project, target_type=Notification.Target.CUT, target_id=cut.public_id, text=text,
    )  # fmt: skip


def _member(user_id, project_id) -> bool:
    return Membership.objects.filter(user_id=user_id, project_id=project_id).exists()


def mention_notify(*, user_id: int, video_id: int | None = None, cut_id: int | None = None,
                   author_id: int | None = None, excerpt: str = "") -> Notification | None:  # fmt: skip
    """A member was mentioned in a comment on a video or a final cut: told, if they are (still) a member of its
    project and did not mention themselves."""
    from storyboards.models import FinalCut

    user = get_user_model().objects.filter(id=user_id, is_active=True).first()
    if user is None or user_id == author_id:
        return None
    if video_id is not None:
        video = Video.objects.select_related("project").filter(id=video_id).first()
        if video is None:
            return None
        project, target_type, target_id = video.project, Notification.Target.VIDEO, video.public_id
        what = f"“{_excerpt(video.prompt)}”"
    else:
        cut = FinalCut.objects.select_related("storyboard__project").filter(id=cut_id).first()
        if cut is None:
            return None
        project, target_type, target_id = cut.storyboard.project, Notification.Target.CUT, cut.public_id
        what = f"cut {cut.number} of “{_excerpt(cut.storyboard.title)}”"
    if not _member(user_id, project.id):
        return None
    author = get_user_model().objects.filter(id=author_id).first() if author_id else None
    text = f"{author.username if author else 'Someone'} mentioned you on {what}"
    text += f": {_excerpt(excerpt, 200)}" if excerpt else "."
    return notification_create(user=user, kind=Kind.MENTION, project=project, target_type=target_type,
                               target_id=target_id, text=text)  # fmt: skip


def review_changed_notify(*, video_id: int, old: str, new: str, actor=None, note: str = "") -> Notification | None:
    """A video's review state changed: its owner is told (unless they changed it), the webhooks get review.changed."""
    video = Video.objects.select_related("project", "owner").filter(id=video_id).first()
    if video is None:
        return None
    user = getattr(actor, "user", None)
    who = user.username if user is not None else "The studio"
    label = str(new or "none").replace("_", " ")
    made = None
    with transaction.atomic():
        if (user is None or user.pk != video.owner_id) and _member(video.owner_id, video.project_id):
            text = f"{who} set the review of “{_excerpt(video.prompt)}” to {label}"
            text += f": {_excerpt(note, 200)}" if note else "."
            made = notification_create(user=video.owner, kind=Kind.REVIEW_CHANGED, project=video.project,
                                       target_type=Notification.Target.VIDEO, target_id=video.public_id, text=text)  # fmt: skip
        data = {**_video_data(video), "review": {"old": old or "", "new": new or "", "note": note or "",
                                                 "actor": user.username if user is not None else None}}  # fmt: skip
        notify_webhooks.event_emit(project_id=video.project_id, event="review.changed", data=data)
    return made


# ---------------------------------------------------------------------------------------------------------------
# The user's own
# ---------------------------------------------------------------------------------------------------------------
def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_read(*, user, public_id) -> Notification:
    """Mark one of the user's notifications read (another user's is a 404)."""
    notification = Notification.objects.filter(user=user, public_id=public_id).first()
    if notification is None:
        raise Http404("No such notification.")
    if notification.read_at is None:
        Notification.objects.filter(id=notification.id, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db()
    return notification


def notifications_read_all(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def notify_settings_update(*, user, email_completed: bool, email_failed: bool, email_mentions: bool,
                           email_reviews: bool) -> NotifySettings:  # fmt: skip
    prefs, _ = NotifySettings.objects.select_for_update().get_or_create(user=user)
    prefs.email_completed, prefs.email_failed = bool(email_completed), bool(email_failed)
    prefs.email_mentions, prefs.email_reviews = bool(email_mentions), bool(email_reviews)
    prefs.full_clean()
    prefs.save()
    return prefs


# ---------------------------------------------------------------------------------------------------------------
# Mail, batched
# ---------------------------------------------------------------------------------------------------------------
def mails_send_due(*, now: datetime | None = None) -> int:
    """One mail to each user with unsent notifications whose last mail is at least NOTIFY_EMAIL_BATCH_MINUTES old,
    listing everything unsent. Returns the number of mails sent. Safe to run twice at once (rows are locked)."""
    now = now or timezone.now()
    sent = 0
    user_ids = Notification.objects.filter(mail_pending=True).order_by().values_list("user_id", flat=True).distinct()
    for user_id in list(user_ids):
        try:
            sent += _mail_user(user_id, now)
        except Exception:  # noqa: BLE001 - one user's failing mail must not stop the others'; retried next time
            log.exception("notification mail to user %s failed", user_id)
    return sent


@transaction.atomic
def _mail_user(user_id: int, now: datetime) -> int:
    user = get_user_model().objects.filter(id=user_id).first()
    if user is None:
        return 0
    prefs, _ = NotifySettings.objects.select_for_update().get_or_create(user=user)
    if prefs.last_mailed_at and prefs.last_mailed_at > now - timedelta(minutes=settings.NOTIFY_EMAIL_BATCH_MINUTES):
        return 0
    pending = list(Notification.objects.filter(user=user, mail_pending=True).order_by("created_at", "id"))
    wanted = [n for n in pending if prefs.wants_mail(n.kind)] if user.email and user.is_active else []
    Notification.objects.filter(id__in=[n.id for n in pending]).update(mail_pending=False)
    if not wanted:
        return 0
    Notification.objects.filter(id__in=[n.id for n in wanted]).update(mailed_at=now)
    prefs.last_mailed_at = now
    prefs.save(update_fields=["last_mailed_at", "updated_at"])
    site = settings.SITE_URL.rstrip("/")
    items = [{"text": n.text, "url": site + target_url(n), "at": n.created_at} for n in wanted[:MAIL_ITEMS_MAX]]
    ctx = {"user": user, "items": items, "more": max(0, len(wanted) - MAIL_ITEMS_MAX), "count": len(wanted),
           "notifications_url": site + reverse("reviews:notifications"),
           "settings_url": site + reverse("reviews:notify-settings")}  # fmt: skip
    subject = f"Sora Studio: {len(wanted)} update{'s' if len(wanted) != 1 else ''}"
    body = render_to_string("reviews/notify_email.txt", ctx)
    send_mail(subject, body, None, [user.email])
    return 1
