"""Reserving at submit: limits on videos, seconds, spend and models; the tightest rule wins; refusals explain."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from accounts.actors import Actor
from quotas import selectors as quota_selectors
from quotas import services as quotas
from quotas.models import QuotaCharge, QuotaUsage
from tests.conftest import make_user
from tests.quotas.conftest import rule, submit
from videos.models import Video


@pytest.mark.django_db
def test_no_rules_means_no_limits(alice, project):
    for _ in range(3):
        submit(alice, project)
    assert Video.objects.count() == 3
    assert quota_selectors.allowance_for(user=alice, project=project) is None


@pytest.mark.django_db
def test_the_seventh_80_cent_video_is_refused_under_a_5_dollar_month(alice, project, no_upstream):
    rule(user=alice, max_spend=5)
    for _ in range(6):
        submit(alice, project, seconds=8)
    no_upstream.clear()
    with pytest.raises(quotas.QuotaExceeded) as caught:
        submit(alice, project, seconds=8)
    message = caught.value.messages[0]
    assert "Your monthly spend limit is $5.00" in message
    assert "$0.20 is left until 1 " in message and "00:00 UTC" in message
    assert "this video costs $0.80" in message
    assert caught.value.kind == "spend" and caught.value.left == Decimal("0.2")
    assert Video.objects.count() == 6  # nothing created, nothing enqueued
    assert no_upstream == []
    # a 4-second video ($0.40) doesn't fit either; nothing smaller exists
    with pytest.raises(quotas.QuotaExceeded):
        submit(alice, project, seconds=4)


@pytest.mark.django_db
def test_refusal_says_when_the_month_resets():
    start, end = quotas.period_bounds("month", datetime(2026, 11, 26, 13, 5, tzinfo=UTC))
    assert start == datetime(2026, 11, 1, tzinfo=UTC)
    assert end == datetime(2026, 12, 1, tzinfo=UTC)
    assert quotas.when(end) == "1 Dec 2026 00:00 UTC"
    assert quotas.period_bounds("month", datetime(2026, 12, 31, 23, 59, tzinfo=UTC))[1] == datetime(
        2027, 1, 1, tzinfo=UTC
    )
    week = quotas.period_bounds("week", datetime(2026, 11, 26, 13, 5, tzinfo=UTC))  # a Thursday
    assert week == (datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))
    day = quotas.period_bounds("day", datetime(2026, 11, 26, 13, 5, tzinfo=UTC))
    assert day == (datetime(2026, 11, 26, tzinfo=UTC), datetime(2026, 11, 27, tzinfo=UTC))


@pytest.mark.django_db
def test_video_count_limit(alice, project):
    rule(user=alice, period="day", max_videos=2)
    submit(alice, project)
    submit(alice, project)
    with pytest.raises(quotas.QuotaExceeded, match=r"Your daily limit is 2 videos; 0 are left until"):
        submit(alice, project)


@pytest.mark.django_db
def test_seconds_limit(alice, project):
    rule(user=alice, period="week", max_seconds=20)
    submit(alice, project, seconds=12)
    submit(alice, project, seconds=8)
    with pytest.raises(quotas.QuotaExceeded, match=r"weekly limit is 20 seconds of video; 0 are left"):
        submit(alice, project, seconds=4)


@pytest.mark.django_db
def test_model_restriction(alice, project):
    rule(user=alice, allowed_models=["sora-2"])
    submit(alice, project, model="sora-2")
    with pytest.raises(quotas.QuotaExceeded, match="does not include sora-2-pro; it allows sora-2"):
        submit(alice, project, model="sora-2-pro")
    assert Video.objects.count() == 1


@pytest.mark.django_db
def test_project_limit_counts_every_member(alice, bob, project):
    rule(project=project, max_videos=3)
    rule(user=alice, max_videos=100)
    submit(alice, project)
    submit(bob, project)
    submit(alice, project)
    with pytest.raises(
        quotas.QuotaExceeded, match="The monthly limit of project “Launch film” is 3 videos; 0 are left"
    ):
        submit(bob, project)


@pytest.mark.django_db
def test_tightest_rule_wins(alice, project):
    rule(project=project, max_spend=100)
    rule(user=alice, max_spend=1)  # tighter than the project's
    submit(alice, project, seconds=8)
    with pytest.raises(quotas.QuotaExceeded) as caught:
        submit(alice, project, seconds=4)
    assert caught.value.rule.user_id == alice.id
    # and the other way round: a tight project rule beats a generous user rule
    rule(user=alice, period="day", max_videos=100)
    rule(project=project, period="day", max_videos=1)
    from quotas.models import QuotaRule

    QuotaRule.objects.filter(user=alice, period="month").update(max_spend=Decimal(50))
    submit(alice, project, seconds=4)
    with pytest.raises(quotas.QuotaExceeded) as caught:
        submit(alice, project, seconds=4)
    assert caught.value.rule.project_id == project.id and caught.value.kind == "videos"


@pytest.mark.django_db
def test_site_default_applies_per_user_without_own_rule(alice, bob, project):
    rule(max_videos=1)
    submit(alice, project)
    submit(bob, project)  # counted separately
    with pytest.raises(quotas.QuotaExceeded, match="The site's default monthly limit is 1 video"):
        submit(alice, project)
    rule(user=bob, max_videos=5)  # bob's own rule replaces the default for him
    submit(bob, project)


@pytest.mark.django_db
def test_a_refused_rule_rolls_back_the_others(alice, project):
    rule(user=alice, max_videos=10)
    rule(project=project, max_spend=Decimal("0.50"))
    with pytest.raises(quotas.QuotaExceeded):
        submit(alice, project, seconds=8)
    assert all(u.videos == 0 for u in QuotaUsage.objects.all())
    assert QuotaCharge.objects.count() == 0


@pytest.mark.django_db
def test_period_reset(alice, project):
    r = rule(user=alice, period="day", max_videos=1)
    submit(alice, project)
    with pytest.raises(quotas.QuotaExceeded):
        submit(alice, project)
    # yesterday's counter stays; today starts from zero
    QuotaUsage.objects.filter(rule=r).update(period_start=datetime(2020, 1, 1, tzinfo=UTC))
    submit(alice, project)
    assert QuotaUsage.objects.filter(rule=r).count() == 2


@pytest.mark.django_db
def test_a_grant_adds_to_this_period(alice, project, admin_user):
    r = rule(user=alice, max_spend="0.80")
    submit(alice, project, seconds=8)
    with pytest.raises(quotas.QuotaExceeded):
        submit(alice, project, seconds=8)
    quotas.grant(rule=r, spend=Decimal("0.80"), note="launch week", actor=Actor.of_user(admin_user))
    submit(alice, project, seconds=8)
    with pytest.raises(quotas.QuotaExceeded):
        submit(alice, project, seconds=4)


@pytest.mark.django_db
def test_remix_batch_reserves_all_or_nothing(alice, project):
    from videos import services

    parent = submit(alice, project, seconds=4)
    Video.objects.filter(id=parent.id).update(status="completed", upstream_id="video_x")
    parent.refresh_from_db()
    rule(user=alice, max_videos=2)  # the parent was made before the rule: it doesn't count
    with pytest.raises(quotas.QuotaExceeded, match="2 are left until .*; this needs 3"):
        services.video_remix(actor=Actor.of_user(alice), parent=parent, prompts=["a", "b", "c"])
    assert services.video_remix(actor=Actor.of_user(alice), parent=parent, prompts=["a", "b"])
    assert Video.objects.count() == 3


@pytest.mark.django_db
def test_allowance_summary(alice, project):
    rule(user=alice, max_spend=5, max_videos=10, allowed_models=["sora-2"], max_in_flight=2)
    submit(alice, project, seconds=8)
    allowance = quota_selectors.allowance_for(user=alice, project=project)
    assert allowance
    assert allowance.spend_left == Decimal("4.20")
    assert allowance.videos_left == 9
    assert allowance.seconds_left is None
    assert allowance.models == ["sora-2"]
    assert allowance.max_in_flight == 2
    assert allowance.allows(cost=Decimal("4.20"), seconds=12)
    assert not allowance.allows(cost=Decimal("4.21"), seconds=12)
    assert not allowance.allows(cost=Decimal(1), seconds=4, model="sora-2-pro")
    text = str(allowance)
    assert text.startswith("$4.20 of $5.00 left this month (you), until 1 ")
    assert "9 of 10 videos left" in text and "models: sora-2" in text


@pytest.mark.django_db
def test_max_in_flight_is_the_tightest(alice, project):
    video = submit(alice, project)
    assert quota_selectors.max_in_flight(video) is None
    rule(user=alice, max_in_flight=3)
    rule(project=project, max_in_flight=2)
    assert quota_selectors.max_in_flight(video) == 2


@pytest.mark.django_db
def test_other_users_do_not_share_user_limits(alice, project):
    carol = make_user("carol")
    rule(user=alice, max_videos=1)
    submit(alice, project)
    from accounts.services import project_create

    submit(carol, project_create(actor=Actor.of_user(carol), name="Carol's"))
    with pytest.raises(quotas.QuotaExceeded):
        submit(alice, project)
