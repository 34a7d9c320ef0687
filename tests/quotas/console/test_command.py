"""manage.py quota: show, set, grant, delete; bad input is refused and nothing is saved."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from quotas import services as quotas
from quotas.models import QuotaGrant, QuotaRule
from tests.quotas.conftest import rule, submit


def run(*args) -> str:
    out = StringIO()
    call_command("quota", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_set_creates_then_updates_a_users_rule(alice):
    out = run(
        "set", "--user", "alice", "--period", "month", "--max-spend", "5", "--max-videos", "10", "--models", "sora-2"
    )
    assert "Created user alice, per month: 10 videos; $5.00; models: sora-2" in out
    rule_ = QuotaRule.objects.get(user=alice)
    assert (rule_.max_spend, rule_.max_videos, rule_.allowed_models) == (Decimal(5), 10, ["sora-2"])
    out = run("set", "--user", "alice", "--max-videos", "none", "--models", "sora-2,sora-2-pro")
    rule_.refresh_from_db()
    assert "Updated" in out
    assert (rule_.max_spend, rule_.max_videos, rule_.allowed_models) == (Decimal(5), None, ["sora-2", "sora-2-pro"])
    assert QuotaRule.objects.count() == 1


@pytest.mark.django_db
def test_set_for_a_project_and_the_site(project):
    run("set", "--project", str(project.public_id), "--period", "week", "--max-seconds", "600")
    run("set", "--site", "--period", "day", "--max-videos", "20", "--max-in-flight", "2")
    assert QuotaRule.objects.get(project=project).max_seconds == 600
    assert QuotaRule.objects.get(user=None, project=None).max_in_flight == 2


@pytest.mark.django_db
def test_show_lists_rules_and_usage(alice, project):
    rule(user=alice, max_spend=5)
    submit(alice, project, seconds=8)
    out = run("show", "--user", "alice")
    assert "user alice, per month: $5.00; models: all" in out
    assert "$4.20 of $5.00 left this month" in out
    assert "user alice" in run("show")


@pytest.mark.django_db
def test_show_with_no_rules():
    assert "nothing is limited" in run("show")


@pytest.mark.django_db
def test_grant_adds_allowance_for_this_period(alice, project):
    rule(user=alice, max_spend="0.80")
    submit(alice, project, seconds=8)
    out = run("grant", "--user", "alice", "--spend", "2", "--note", "launch")
    assert "$2.00 of $2.80 left this month" in out
    assert QuotaGrant.objects.get().note == "launch"
    submit(alice, project, seconds=8)


@pytest.mark.django_db
def test_grant_on_the_site_default_for_one_user(alice, project):
    rule(max_videos=1)
    submit(alice, project)
    run("grant", "--user", "alice", "--videos", "1")  # alice has no rule of her own: the default's counter
    submit(alice, project)
    with pytest.raises(quotas.QuotaExceeded):
        submit(alice, project)


@pytest.mark.django_db
def test_delete(alice):
    rule(user=alice, period="week", max_videos=1)
    run("delete", "--user", "alice", "--period", "week")
    assert not QuotaRule.objects.exists()
    with pytest.raises(CommandError, match="No such rule"):
        run("delete", "--user", "alice", "--period", "week")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args, message",
    [
        (["set", "--user", "alice", "--max-spend", "-1"], "max_spend: Must be between 0 and 100,000"),
        (["set", "--user", "alice", "--max-videos", "-3"], "max_videos: .*Must be between 0"),
        (["set", "--user", "alice", "--max-videos", "999999999"], "max_videos: Must be between 0 and 100,000"),
        (["set", "--user", "alice", "--max-spend", "1e9"], "max_spend"),
        (["set", "--user", "alice", "--max-spend", "lots"], "“lots” is not a number"),
        (["set", "--user", "alice", "--max-in-flight", "0"], "max_in_flight: Must be between 1"),
        (["set", "--user", "alice", "--models", "sora-9"], "allowed_models: No such model: sora-9"),
        (["set", "--user", "alice", "--period", "year"], "invalid choice: 'year'"),
        (["set", "--user", "nobody", "--max-videos", "1"], "No user “nobody”"),
        (["set", "--project", "not-a-uuid", "--max-videos", "1"], "is not a project id"),
        (["set", "--project", "6f1c2a4e-8d55-4b0b-9a49-1f6a0d4b9c11", "--max-videos", "1"], "No project with id"),
        (["set", "--max-videos", "1"], "Say whose rule"),
        (["grant", "--user", "alice", "--spend", "2"], "No rule applies there"),
        (["grant", "--site", "--spend", "2"], "--for-user"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(alice, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not QuotaRule.objects.exists()
    assert not QuotaGrant.objects.exists()


@pytest.mark.django_db
def test_a_negative_grant_is_refused(alice):
    rule(user=alice, max_videos=1)
    with pytest.raises(CommandError, match="0 or more"):
        run("grant", "--user", "alice", "--videos", "-5")
    assert not QuotaGrant.objects.exists()
