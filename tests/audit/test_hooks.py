"""Every write is recorded where the actor is known: who, what, which object, from where, and the outcome;
refusals (role too weak, not a member, over quota) are recorded as refused while the refused write leaves nothing."""

from __future__ import annotations

from django.urls import reverse

from accounts.actors import Actor, ActorKind
from accounts.models import Membership
from audit.models import Entry
from audit.services import record
from quotas.models import QuotaRule
from videos import services
from videos.models import Video


def session(user, address="203.0.113.7") -> Actor:
    return Actor(ActorKind.MEMBER, user, "session", address)


def only(action: str, **filters) -> Entry:
    entries = list(Entry.objects.filter(action=action, **filters))
    assert len(entries) == 1, [str(e) for e in Entry.objects.all()]
    return entries[0]


def test_a_create_is_recorded_with_who_what_which_where(bob, project, seeded_models):
    video = services.video_submit(actor=session(bob), project=project, prompt="A kite", model="sora-2",
                                  size="1280x720", seconds=4)  # fmt: skip

    entry = only("video.create")
    assert (entry.outcome, entry.actor, entry.actor_name, entry.via, entry.ip_address) == (
        "ok", bob, "bob", "session", "203.0.113.7")
    assert (entry.project, entry.project_name) == (project, "Launch film")
    assert (entry.target_type, entry.target_id, entry.target_label) == ("video", str(video.public_id), "A kite")


def test_a_quota_refusal_is_recorded_and_nothing_is_created(bob, project, seeded_models):
    QuotaRule.objects.create(user=bob, period="day", max_videos=0)

    try:
        services.video_submit(actor=session(bob), project=project, prompt="A kite", model="sora-2",
                              size="1280x720", seconds=4)  # fmt: skip
    except Exception as exc:  # noqa: BLE001
        assert getattr(exc, "code", "") == "quota_exceeded"
    else:
        raise AssertionError("the quota did not refuse")

    assert not Video.objects.exists()
    entry = only("video.create")
    assert entry.outcome == "refused" and "limit is 0 videos" in entry.reason
    assert entry.detail == {"refused_by": "quota"} and entry.project == project


def test_a_viewer_posting_a_remix_is_refused_and_recorded(client, alice, viewer, project, make_video):
    parent = make_video(project, alice, upstream_id="video_p")
    client.force_login(viewer)

    r = client.post(reverse("videos:remix", args=[parent.public_id]), {"prompt": "fog", "variations": 1},
                    REMOTE_ADDR="198.51.100.4")  # fmt: skip

    assert r.status_code == 403
    assert not Video.objects.filter(remixed_from=parent).exists()
    entry = only("video.remix")
    assert (entry.outcome, entry.actor_name, entry.ip_address) == ("refused", "vera", "198.51.100.4")
    assert entry.target_id == str(parent.public_id) and "editor role" in entry.reason


def test_a_service_refusing_an_outsider_is_recorded(alice, charlie, project, make_video):
    video = make_video(project, alice, status=Video.Status.FAILED)
    try:
        services.video_retry(actor=session(charlie), video=video)
    except Exception as exc:  # noqa: BLE001
        assert exc.__class__.__name__ == "Http404"
    entry = only("video.retry")
    assert (entry.outcome, entry.actor_name, entry.reason) == ("refused", "charlie", "Not a member of the project.")
    assert Video.objects.count() == 1


def test_remix_cancel_delete_and_download_are_recorded(client, alice, bob, project, make_video):
    parent = make_video(project, alice, upstream_id="video_p", video=b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
    client.force_login(bob)

    client.post(reverse("videos:remix", args=[parent.public_id]), {"prompt": "fog", "variations": 2})
    children = list(Video.objects.filter(remixed_from=parent).order_by("id"))
    client.post(reverse("videos:cancel", args=[children[0].public_id]))
    client.post(reverse("videos:delete", args=[children[0].public_id]))
    r = client.get(reverse("videos:asset", args=[parent.public_id, "video"]) + "?download=1")
    assert r.status_code == 200
    client.get(reverse("videos:asset", args=[parent.public_id, "video"]))  # playing is not downloading

    remixes = Entry.objects.filter(action="video.remix").order_by("id")
    assert [e.target_id for e in remixes] == [str(c.public_id) for c in children]
    assert all(e.detail["parent"] == str(parent.public_id) for e in remixes)
    assert only("video.cancel").target_id == str(children[0].public_id)
    deleted = only("video.delete")
    assert (deleted.target_id, deleted.target_label, deleted.outcome) == (str(children[0].public_id), "fog", "ok")
    download = only("video.download")
    assert download.detail["variant"] == "video" and download.actor_name == "bob"


def test_staff_acting_for_a_member_is_recorded_on_their_behalf(alice, project, make_video, staff, rf):
    video = make_video(project, alice, status=Video.Status.FAILED)
    request = rf.post("/admin/")
    request.user = staff
    new = services.video_retry(actor=Actor.staff(request), video=video)

    entry = only("video.retry")
    assert (entry.actor_name, entry.on_behalf_of_name, entry.via, entry.target_id) == (
        "root", "alice", "admin", str(new.public_id))
    assert entry.who == "root for alice"


def test_member_changes_are_recorded(client, alice, bob, charlie, project):
    client.force_login(alice)
    client.post(reverse("accounts:member-add", args=[project.public_id]), {"identifier": "charlie", "role": "viewer"})
    client.post(reverse("accounts:member-role", args=[project.public_id, charlie.public_id]), {"role": "editor"})
    client.post(reverse("accounts:member-remove", args=[project.public_id, charlie.public_id]))

    assert only("member.add").target_label == "charlie (viewer)"
    role = only("member.role")
    assert role.detail == {"from": "viewer", "to": "editor"} and role.target_id == str(charlie.public_id)
    assert only("member.remove").actor_name == "alice"
    assert not Membership.objects.filter(user=charlie, project=project).exists()


def test_a_member_trying_to_manage_members_is_refused_and_recorded(client, bob, charlie, project):
    client.force_login(bob)
    r = client.post(reverse("accounts:member-add", args=[project.public_id]), {"identifier": "charlie", "role": "owner"})
    assert r.status_code == 403
    assert only("member.add").outcome == "refused"
    assert not Membership.objects.filter(user=charlie, project=project).exists()


def test_admin_saves_of_providers_and_quota_rules_are_recorded(client, staff, bob, simulator):
    r = client.post(reverse("admin:quotas_quotarule_add"), {"user": bob.pk, "period": "day", "max_videos": 5,
                                                             "note": "=1+1"})  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    rule = QuotaRule.objects.get(user=bob)
    entry = only("quota.rule.add")
    assert (entry.actor_name, entry.via, entry.target_id) == ("root", "admin", str(rule.pk))

    r = client.post(reverse("admin:quotas_quotarule_delete", args=[rule.pk]), {"post": "yes"})
    assert r.status_code == 302
    assert only("quota.rule.delete").target_id == str(rule.pk)


def test_the_record_hook_names_a_token_and_its_label(bob, project):
    entry = record(actor=Actor(ActorKind.TOKEN, bob, "ci-bot", "192.0.2.1"), action="token.create", project=project,
                   target=("token", "tok_123", "ci-bot"), detail={"scope": "read"})  # fmt: skip
    entry.refresh_from_db()
    assert (entry.via, entry.via_label, entry.how, entry.ip_address) == ("token", "ci-bot", "API token (ci-bot)",
                                                                         "192.0.2.1")  # fmt: skip
    assert (entry.target_type, entry.target_id, entry.project) == ("token", "tok_123", project)


def test_system_and_command_actors(alice, project):
    assert record(actor=Actor.system("retention"), action="x").how == "The studio itself (retention)"
    assert record(actor=Actor.of_user(alice, "export_project"), action="x").how == "Command line (export_project)"


def test_commands_changing_quotas_and_providers_are_recorded(alice, seeded_models):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("quota", "set", "--user", "alice", "--period", "day", "--max-videos", "3", stdout=out)
    call_command("quota", "grant", "--user", "alice", "--videos", "2", stdout=out)
    call_command("quota", "delete", "--user", "alice", "--period", "day", stdout=out)
    call_command("provider", "add", "acme", "--name", "Acme", "--base-url", "http://127.0.0.1:9/v1", stdout=out)
    call_command("provider", "model", "acme", "acme-1", "--sizes", "1280x720=0.10", "--seconds", "4,8", stdout=out)

    assert only("quota.rule.add").via_label == "manage.py quota"
    grant = only("quota.grant")
    assert (grant.on_behalf_of_name, grant.detail["videos"]) == ("alice", 2)
    assert only("quota.rule.delete").via == "system"
    assert only("provider.add").target_id == "acme"
    assert only("provider_model.add").detail["seconds"] == ["4", "8"]


def test_memberships_added_in_the_admin_are_recorded(client, staff, charlie, project):
    r = client.post(reverse("admin:accounts_membership_add"),
                    {"user": charlie.pk, "project": project.pk, "role": "viewer"})  # fmt: skip
    assert r.status_code == 302
    entry = only("member.add")
    assert (entry.actor_name, entry.via, entry.project, entry.target_label) == ("root", "admin", project,
                                                                                "charlie (viewer)")  # fmt: skip


def test_the_pipeline_finishing_a_job_is_recorded_by_the_studio(alice, project, make_video,
                                                                django_capture_on_commit_callbacks):  # fmt: skip
    from videos import lifecycle

    video = make_video(project, alice, status=Video.Status.IN_PROGRESS, upstream_id="video_9")
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.fail(video, code="moderation_blocked", message="The prompt was refused upstream.")
    entry = only("video.fail")
    assert (entry.via, entry.actor, entry.target_id) == ("system", None, str(video.public_id))
    assert entry.detail == {"from": "in_progress", "reason": "The prompt was refused upstream."}
