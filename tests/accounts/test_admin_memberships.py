"""The admin respects the last-owner rule too: on the project page's member inline, on the membership page, and in
bulk deletes (the same rule the project page's services enforce)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership

pytestmark = pytest.mark.django_db
Role = Membership.Role


def _inline_post(project, rows):
    data = {
        "name": project.name, "is_personal": "",
        "memberships-TOTAL_FORMS": str(len(rows)), "memberships-INITIAL_FORMS": str(len(rows)),
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
        "quota_rules-TOTAL_FORMS": "0", "quota_rules-INITIAL_FORMS": "0",
        "quota_rules-MIN_NUM_FORMS": "0", "quota_rules-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for i, (membership, role, delete) in enumerate(rows):
        data.update({
            f"memberships-{i}-id": str(membership.pk), f"memberships-{i}-project": str(project.pk),
            f"memberships-{i}-user": str(membership.user_id), f"memberships-{i}-role": role,
        })  # fmt: skip
        if delete:
            data[f"memberships-{i}-DELETE"] = "on"
    return data


def test_the_project_inline_cannot_leave_a_project_without_an_owner(client, staff, alice, bob, project):
    owner = Membership.objects.get(user=alice, project=project)
    editor = Membership.objects.get(user=bob, project=project)
    url = reverse("admin:accounts_project_change", args=[project.pk])

    demoted = client.post(url, _inline_post(project, [(owner, Role.EDITOR, False), (editor, Role.EDITOR, False)]))
    deleted = client.post(url, _inline_post(project, [(owner, Role.OWNER, True), (editor, Role.EDITOR, False)]))

    for response in (demoted, deleted):
        assert response.status_code == 200 and "at least one owner" in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == Role.OWNER and Membership.objects.filter(project=project).count() == 2
    swapped = client.post(url, _inline_post(project, [(owner, Role.EDITOR, False), (editor, Role.OWNER, False)]))
    assert swapped.status_code == 302  # handing ownership over in one save is fine
    assert Membership.objects.get(user=bob, project=project).role == Role.OWNER


def test_the_membership_page_cannot_demote_or_delete_the_last_owner(client, staff, alice, bob, project):
    owner = Membership.objects.get(user=alice, project=project)
    change = reverse("admin:accounts_membership_change", args=[owner.pk])

    r = client.post(change, {"user": alice.pk, "project": project.pk, "role": Role.VIEWER})
    assert r.status_code == 200 and "at least one owner" in r.content.decode()
    r = client.post(reverse("admin:accounts_membership_delete", args=[owner.pk]), {"post": "yes"}, follow=True)
    assert "at least one owner" in r.content.decode()
    r = client.post(reverse("admin:accounts_membership_changelist"),
                    {"action": "delete_selected", "_selected_action": [owner.pk], "post": "yes"}, follow=True)  # fmt: skip
    assert "last owner" in r.content.decode()
    owner.refresh_from_db()
    assert owner.role == Role.OWNER

    editor = Membership.objects.get(user=bob, project=project)
    r = client.post(reverse("admin:accounts_membership_change", args=[editor.pk]),
                    {"user": bob.pk, "project": project.pk, "role": Role.VIEWER})  # fmt: skip
    assert r.status_code == 302 and Membership.objects.get(pk=editor.pk).role == Role.VIEWER
