"""The operators' console: changelists, inline quota rules, grants, actions, the usage report and its CSV."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from quotas import selectors as quota_selectors
from quotas import services as quotas
from quotas.models import QuotaCharge, QuotaGrant, QuotaRule
from tests.quotas.conftest import rule, submit
from videos import services
from videos.models import Video


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["videos_video", "quotas_quotarule", "quotas_quotausage", "quotas_quotacharge", "quotas_quotagrant",
     "providers_providermodel", "providers_provider", "accounts_user", "accounts_project", "accounts_membership"],
)  # fmt: skip
def test_changelists_load(client, staff, alice, project, name):
    rule(user=alice, max_spend=5)
    submit(alice, project)
    response = client.get(reverse(f"admin:{name}_changelist"))
    assert response.status_code == 200


@pytest.mark.django_db
def test_change_pages_load_with_inline_quota_rules(client, staff, alice, project):
    rule(user=alice, max_spend=5)
    rule(project=project, max_videos=3)
    video = submit(alice, project)
    assert "quota rules" in client.get(reverse("admin:accounts_user_change", args=[alice.pk])).content.decode().lower()
    assert client.get(reverse("admin:accounts_project_change", args=[project.pk])).status_code == 200
    assert client.get(reverse("admin:videos_video_change", args=[video.pk])).status_code == 200
    assert client.get(reverse("admin:quotas_quotarule_change", args=[QuotaRule.objects.first().pk])).status_code == 200
    assert client.get(reverse("admin:quotas_quotagrant_add")).status_code == 200
    assert client.get(reverse("admin:accounts_user_add")).status_code == 200


def _rule_post(**overrides):
    data = {"user": "", "project": "", "period": "month", "max_videos": "", "max_seconds": "", "max_spend": "",
            "max_in_flight": "", "note": ""}  # fmt: skip
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_an_admin_sets_5_dollars_a_month_and_the_seventh_video_is_refused(client, staff, alice, project):
    response = client.post(
        reverse("admin:quotas_quotarule_add"),
        _rule_post(user=alice.pk, max_spend="5", allowed_models=["sora-2"]),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    for _ in range(6):
        submit(alice, project, seconds=8)
    with pytest.raises(quotas.QuotaExceeded) as caught:
        submit(alice, project, seconds=8)
    assert "$0.20 is left until" in str(caught.value.messages[0])
    report = client.get(reverse("admin:quotas_usage_report"))
    assert "<svg" in report.content.decode() and "$4.80" in report.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"max_spend": "-5"}, "max_spend"),
        ({"max_spend": "99999999"}, "max_spend"),
        ({"max_videos": "-1"}, "max_videos"),
        ({"max_videos": "1000000000"}, "max_videos"),
        ({"max_seconds": "-60"}, "max_seconds"),
        ({"max_in_flight": "0"}, "max_in_flight"),
        ({"period": "year"}, "period"),
        ({"allowed_models": ["sora-9"]}, "allowed_models"),
    ],
)
def test_bad_rule_input_is_refused(client, staff, alice, overrides, field):
    response = client.post(reverse("admin:quotas_quotarule_add"), _rule_post(user=alice.pk, **overrides))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not QuotaRule.objects.exists()


@pytest.mark.django_db
def test_a_rule_for_a_user_and_a_project_at_once_is_refused(client, staff, alice, project):
    response = client.post(
        reverse("admin:quotas_quotarule_add"), _rule_post(user=alice.pk, project=project.pk, max_videos="1")
    )
    assert response.status_code == 200
    assert "not both" in response.content.decode()
    assert not QuotaRule.objects.exists()


@pytest.mark.django_db
def test_a_second_rule_for_the_same_user_and_period_is_refused(client, staff, alice):
    rule(user=alice, max_videos=1)
    response = client.post(reverse("admin:quotas_quotarule_add"), _rule_post(user=alice.pk, max_videos="2"))
    assert response.status_code == 200
    assert "already has a rule for that period" in response.content.decode()


@pytest.mark.django_db
def test_inline_rule_on_the_user_page(client, staff, alice):
    url = reverse("admin:accounts_user_change", args=[alice.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, (list, dict))}
    data.update({
        "username": "alice", "email": "alice@example.com", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
        "is_active": "on", "quota_rules-TOTAL_FORMS": "1", "quota_rules-INITIAL_FORMS": "0",
        "quota_rules-MIN_NUM_FORMS": "0", "quota_rules-MAX_NUM_FORMS": "1000", "quota_rules-0-period": "week",
        "quota_rules-0-max_videos": "4", "quota_rules-0-max_spend": "", "quota_rules-0-max_seconds": "",
        "quota_rules-0-max_in_flight": "", "quota_rules-0-note": "",
    })  # fmt: skip
    data.pop("password", None)
    data.pop("last_login", None)
    response = client.post(url, data)
    assert response.status_code == 302, (
        [f.errors for f in response.context["inline_admin_formsets"][0].formset.forms] if response.context else response
    )
    assert QuotaRule.objects.get(user=alice).max_videos == 4
    bad = {**data, "quota_rules-0-max_videos": "-4"}
    QuotaRule.objects.all().delete()
    response = client.post(url, bad)
    assert response.status_code == 200
    assert not QuotaRule.objects.exists()


@pytest.mark.django_db
def test_grant_from_the_admin(client, staff, alice, project):
    r = rule(user=alice, max_spend="0.80")
    submit(alice, project, seconds=8)
    response = client.post(
        reverse("admin:quotas_quotagrant_add"),
        {"rule": r.pk, "user": "", "extra_videos": "0", "extra_seconds": "0", "extra_spend": "1.60", "note": "demo"},
    )
    assert response.status_code == 302
    assert QuotaGrant.objects.get().granted_by == staff
    assert quota_selectors.allowance_for(user=alice, project=project).spend_left == Decimal("1.60")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, message",
    [
        ({"extra_videos": "0", "extra_seconds": "0", "extra_spend": "0"}, "Grant something"),
        ({"extra_videos": "-1", "extra_seconds": "0", "extra_spend": "0"}, "greater than or equal to 0"),
        ({"extra_videos": "0", "extra_seconds": "0", "extra_spend": "-2"}, "Must be between 0"),
    ],
)
def test_bad_grants_are_refused(client, staff, alice, data, message):
    r = rule(user=alice, max_spend="1")
    response = client.post(reverse("admin:quotas_quotagrant_add"), {"rule": r.pk, "user": "", "note": "", **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not QuotaGrant.objects.exists()


@pytest.mark.django_db
def test_a_site_default_grant_needs_a_user(client, staff, alice):
    r = rule(max_videos=1)
    response = client.post(
        reverse("admin:quotas_quotagrant_add"),
        {"rule": r.pk, "user": "", "extra_videos": "1", "extra_seconds": "0", "extra_spend": "0", "note": ""},
    )
    assert "say which" in response.content.decode()
    response = client.post(
        reverse("admin:quotas_quotagrant_add"),
        {"rule": r.pk, "user": alice.pk, "extra_videos": "1", "extra_seconds": "0", "extra_spend": "0", "note": ""},
    )
    assert response.status_code == 302


def _act(client, action, videos):
    return client.post(
        reverse("admin:videos_video_changelist"),
        {"action": action, "_selected_action": [v.pk for v in videos]},
        follow=True,
    )


@pytest.mark.django_db
def test_retry_action_makes_a_new_video_on_the_owners_quota(client, staff, alice, project):
    failed = submit(alice, project)
    Video.objects.filter(id=failed.id).update(status="failed")
    response = _act(client, "retry", [failed])
    assert "Retried: 1 video." in response.content.decode()
    retry = Video.objects.exclude(id=failed.id).get()
    assert retry.owner == alice and retry.status == "pending"
    assert QuotaCharge.objects.filter(item_type="videos.video", item_id=retry.id).exists()


@pytest.mark.django_db
def test_retry_action_refuses_unfailed_and_over_quota(client, staff, alice, project):
    ok = submit(alice, project)
    response = _act(client, "retry", [ok])
    assert "Only a failed video can be retried." in response.content.decode()
    Video.objects.filter(id=ok.id).update(status="failed")
    rule(user=alice, max_videos=0)
    response = _act(client, "retry", [ok])
    assert "Your monthly limit is 0 videos" in response.content.decode()
    assert Video.objects.count() == 1


@pytest.mark.django_db
def test_refresh_action(client, staff, alice, project, monkeypatch):
    from videos import tasks

    video = submit(alice, project)
    refreshed = []
    monkeypatch.setattr(tasks, "enqueue_refresh", refreshed.append)
    assert "Not created upstream yet." in _act(client, "refresh_from_upstream", [video]).content.decode()
    Video.objects.filter(id=video.id).update(upstream_id="video_9", status="queued")
    assert "Refresh queued: 1 video." in _act(client, "refresh_from_upstream", [video]).content.decode()
    assert refreshed == [video.id]


@pytest.mark.django_db
def test_archive_action(client, staff, alice, project, monkeypatch):
    from videos import tasks

    video = submit(alice, project)
    archived = []
    monkeypatch.setattr(tasks, "enqueue_archive", archived.append)
    assert "Only a video being saved can be archived" in _act(client, "archive_now", [video]).content.decode()
    Video.objects.filter(id=video.id).update(upstream_id="video_9", status="archiving")
    assert "Archiving queued: 1 video." in _act(client, "archive_now", [video]).content.decode()
    assert archived == [video.id]


@pytest.mark.django_db
def test_delete_action(client, staff, alice, project, monkeypatch):
    rule(user=alice, max_videos=5)
    waiting = submit(alice, project)
    busy = submit(alice, project)
    Video.objects.filter(id=busy.id).update(status="in_progress", upstream_id="video_b")
    response = _act(client, "delete_upstream", [waiting, busy])
    text = response.content.decode()
    assert "Deleted: 1 video." in text and "still being made" in text
    assert list(Video.objects.values_list("id", flat=True)) == [busy.id]
    assert quota_selectors.allowance_for(user=alice, project=project).videos_left == 4  # the waiting one was refunded


@pytest.mark.django_db
def test_usage_report_and_csv(client, staff, alice, bob, project):
    submit(alice, project, seconds=8)
    submit(alice, project, seconds=4, model="sora-2-pro")
    failed = submit(bob, project, seconds=12)
    services._fail(failed, code="x", message="x")  # refunded: doesn't count
    response = client.get(reverse("admin:quotas_usage_report"), {"period": "month"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<svg class="bars"') == 6
    assert "alice" in html and "sora-2-pro" in html and "$2.00" in html  # 0.80 + 1.20
    assert "bob" not in html.split('id="usage-by-user"')[1].split("</table>")[0]
    csv = client.get(reverse("admin:quotas_usage_report"), {"period": "month", "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("period_start,period_end,by,name,videos,seconds,spend_usd")
    assert any(line.split(",")[2:7] == ["user", "alice", "2", "12", "2.00"] for line in lines)
    assert any(line.split(",")[2:4] == ["model", "sora-2-pro"] for line in lines)


@pytest.mark.django_db
def test_usage_report_refuses_bad_input(client, staff):
    response = client.get(reverse("admin:quotas_usage_report"), {"period": "fortnight", "date": "yesterday"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.django_db
def test_usage_report_is_for_staff_only(client, alice):
    client.force_login(alice)
    response = client.get(reverse("admin:quotas_usage_report"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_admin_index_links_the_usage_report(client, staff):
    assert reverse("admin:quotas_usage_report") in client.get(reverse("admin:index")).content.decode()


@pytest.mark.django_db
def test_usage_csv_neutralises_formulas_and_keeps_numbers(client, staff, alice, project):
    import csv
    import io

    project.name = '=HYPERLINK("http://evil","x")'
    project.save()
    submit(alice, project, seconds=8)

    response = client.get(reverse("admin:quotas_usage_report"), {"period": "month", "format": "csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    by_project = [row for row in rows if row[2] == "project"]
    assert by_project[0][3] == '\'=HYPERLINK("http://evil","x")'
    assert by_project[0][4:7] == ["1", "8", "0.80"]


@pytest.mark.parametrize(
    "value, expected",
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"), ("\tcmd", "'\tcmd"),
     ("\rcmd", "'\rcmd"), ("alice", "alice"), ("-1.50", "-1.50"), ("12", "12"), (-3, -3), ("a=b", "a=b")],
)  # fmt: skip
def test_csv_cells_that_would_be_formulas_get_a_quote(value, expected):
    from config.csvcells import csv_cell

    assert csv_cell(value) == expected


@pytest.mark.django_db
def test_the_videos_changelist_shows_only_the_glance_columns(client, staff, alice, project):
    prompt = "A very long prompt about a red fox running through snow at dawn, seen from above"
    submit(alice, project, prompt=prompt)

    response = client.get(reverse("admin:videos_video_changelist"))

    html = response.content.decode()
    for column in ("thumb", "short_prompt", "status_badge", "owner", "project", "estimated_cost", "created"):
        assert f"column-{column}" in html
    assert "column-size" not in html and "column-seconds" not in html and "column-model" not in html
    assert "?seconds=8" in html and "?size=720x1280" in html and "?model=sora-2" in html  # still there as filters
    assert f'<span title="{prompt}">{prompt[:32]}…</span>' in html


@pytest.mark.django_db
def test_the_usage_page_puts_show_and_download_csv_side_by_side(client, staff):
    html = client.get(reverse("admin:quotas_usage_report")).content.decode()
    actions = html.split('<div class="usage-actions">')[1].split("</div>")[0]
    assert 'value="Show"' in actions and "data-csv" in actions


def test_favicon_ico_redirects_permanently_to_the_svg(client):
    from django.templatetags.static import static

    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == static("img/favicon.svg")
