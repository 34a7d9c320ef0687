"""The admin: browse and filter the log, export the filtered list as streamed CSV (formula-safe), and no add,
change or delete for anyone, superusers included."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from accounts.actors import Actor, ActorKind
from audit.models import Entry
from audit.services import record


def _entries(alice, bob, project):
    record(actor=Actor(ActorKind.MEMBER, alice, "session", "203.0.113.9"), action="video.create", project=project,
           target=("video", "v1", "=HYPERLINK(\"http://evil\")"))  # fmt: skip
    record(actor=Actor(ActorKind.MEMBER, bob, "session"), action="video.delete", project=project,
           target=("video", "v2", "+plain"), outcome="refused", reason="-1 left")  # fmt: skip
    record(actor=Actor.system("pipeline"), action="video.create", target=("video", "v3", "@SUM(A1)"))


def test_the_changelist_lists_and_filters(client, staff, alice, bob, project):
    _entries(alice, bob, project)
    r = client.get(reverse("admin:audit_entry_changelist"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "Export these entries as CSV" in body and "video.delete" in body

    r = client.get(reverse("admin:audit_entry_changelist"), {"outcome": "refused"})
    assert r.context["cl"].result_count == 1
    r = client.get(reverse("admin:audit_entry_changelist"), {"actor__id__exact": alice.pk, "via": "session"})
    assert r.context["cl"].result_count == 1
    r = client.get(reverse("admin:audit_entry_changelist"), {"project__id__exact": project.pk, "action": "video.create"})
    assert r.context["cl"].result_count == 1


def test_nobody_may_add_change_or_delete_in_the_admin(client, staff, alice, bob, project):
    _entries(alice, bob, project)
    entry = Entry.objects.filter(action="video.delete").get()
    assert client.get(reverse("admin:audit_entry_add")).status_code == 403
    r = client.post(reverse("admin:audit_entry_change", args=[entry.pk]), {"action": "video.create"})
    assert r.status_code == 403
    r = client.post(reverse("admin:audit_entry_delete", args=[entry.pk]), {"post": "yes"})
    assert r.status_code == 403
    r = client.post(reverse("admin:audit_entry_changelist"),
                    {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})  # fmt: skip
    assert Entry.objects.filter(pk=entry.pk, action="video.delete").exists()
    # The detail page still shows it (read-only).
    assert client.get(reverse("admin:audit_entry_change", args=[entry.pk])).status_code == 200


def test_the_csv_export_streams_the_filtered_list_safely(client, staff, alice, bob, project):
    _entries(alice, bob, project)
    r = client.get(reverse("admin:audit_entry_export"), {"action": "video.create"})
    assert r.status_code == 200 and r.streaming
    assert r["Content-Type"] == "text/csv" and "attachment" in r["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(r.streaming_content).decode())))
    assert {row["target id"] for row in rows} == {"v1", "v3"}
    labels = {row["target id"]: row["target"] for row in rows}
    assert labels == {"v1": "'=HYPERLINK(\"http://evil\")", "v3": "'@SUM(A1)"}
    by_v1 = next(row for row in rows if row["target id"] == "v1")
    assert (by_v1["actor"], by_v1["address"], by_v1["project"]) == ("alice", "203.0.113.9", "Launch film")

    r = client.get(reverse("admin:audit_entry_export"), {"outcome": "refused"})
    rows = list(csv.DictReader(io.StringIO(b"".join(r.streaming_content).decode())))
    assert [(row["target"], row["reason"]) for row in rows] == [("'+plain", "'-1 left")]
    # The export is itself recorded.
    assert Entry.objects.filter(action="audit.export", actor_name="root").count() == 2


def test_the_export_needs_staff(client, alice):
    client.force_login(alice)
    r = client.get(reverse("admin:audit_entry_export"))
    assert r.status_code == 302 and "/admin/login/" in r["Location"]


def test_a_provider_change_in_the_admin_is_recorded(client, staff, simulator):
    r = client.get(reverse("admin:providers_provider_change", args=[simulator.pk]))
    assert r.status_code == 200
    form = r.context["adminform"].form
    data = {name: form[name].value() if form[name].value() is not None else "" for name in form.fields}
    data = {k: v for k, v in data.items() if v is not False}
    data["name"] = "Simulator renamed"
    for formset in r.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        for i, inline_form in enumerate(formset.formset.forms):
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value is not None and value is not False:
                    data[f"{inline_form.prefix}-{name}"] = value
    r = client.post(reverse("admin:providers_provider_change", args=[simulator.pk]), data)
    assert r.status_code == 302, r.content.decode()[:3000]
    entry = Entry.objects.get(action="provider.change")
    assert (entry.actor_name, entry.target_type, entry.target_label) == ("root", "provider", "Simulator renamed")
