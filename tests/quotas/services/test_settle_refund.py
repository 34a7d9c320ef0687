"""Settling on completion and refunding on failure: each happens once, whatever runs twice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.actors import Actor
from assets.models import Asset
from quotas import selectors as quota_selectors
from quotas import services as quotas
from quotas.models import QuotaCharge, QuotaUsage
from tests.quotas.conftest import rule, submit
from videos import services
from videos.models import Video


def usage():
    return QuotaUsage.objects.get()


@pytest.mark.django_db
def test_settle_moves_reserved_to_spent_once(alice, project):
    rule(user=alice, max_spend=5)
    video = submit(alice, project, seconds=8)
    assert usage().spend_reserved_micros == 800_000
    assert quotas.settle(video) is True
    assert quotas.settle(video) is False  # twice: no change
    u = usage()
    assert (u.spend_reserved_micros, u.spend_settled_micros, u.videos) == (0, 800_000, 1)
    assert quotas.refund(video) is False  # spent is spent
    assert usage().spend_settled_micros == 800_000
    assert QuotaCharge.objects.get().state == "settled"


@pytest.mark.django_db
def test_an_upstream_failure_refunds_once(alice, project):
    rule(user=alice, max_videos=1, max_spend=1)
    video = submit(alice, project, seconds=8)
    with pytest.raises(quotas.QuotaExceeded):
        submit(alice, project, seconds=4)
    Video.objects.filter(id=video.id).update(status="in_progress", upstream_id="video_1")
    services._fail(video, code="moderation_blocked", message="Blocked")
    services._fail(video, code="moderation_blocked", message="Blocked")  # a repeated webhook
    assert quotas.refund(video) is False
    u = usage()
    assert (u.videos, u.seconds, u.spend_reserved_micros, u.spend_settled_micros) == (0, 0, 0, 0)
    assert QuotaCharge.objects.get().state == "refunded"
    submit(alice, project, seconds=8)  # the allowance is back


@pytest.mark.django_db
def test_deleting_a_waiting_video_refunds(alice, project):
    rule(user=alice, max_videos=1)
    video = submit(alice, project)
    video_id = video.id
    services.video_delete(actor=Actor.of_user(video.owner), video=video)
    assert usage().videos == 0
    assert QuotaCharge.objects.get().item_id == video_id  # the ledger keeps the record of the deleted video


@pytest.mark.django_db
def test_archive_completion_settles(alice, project, monkeypatch):
    rule(user=alice, max_spend=5)
    video = submit(alice, project, seconds=4)
    for variant in services.VARIANTS:  # pretend every file is already saved
        Asset.objects.create(video=video, kind=variant, file=f"x.{variant}", content_type="x", origin="provider")
    Video.objects.filter(id=video.id).update(status="archiving", upstream_id="video_2")
    monkeypatch.setattr(services, "client_for", lambda provider: None)
    services.video_archive(video_id=video.id)
    services.video_archive(video_id=video.id)
    u = usage()
    assert (u.spend_reserved_micros, u.spend_settled_micros) == (0, 400_000)
    assert quota_selectors.allowance_for(user=alice, project=project).spend_left == Decimal("4.60")


@pytest.mark.django_db
def test_videos_from_before_quotas_settle_and_refund_harmlessly(alice, project):
    video = submit(alice, project)
    QuotaCharge.objects.all().delete()
    assert quotas.settle(video) is False
    assert quotas.refund(video) is False
