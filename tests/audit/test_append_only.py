"""The log is append-only: an entry cannot be changed or deleted, one by one or in bulk; only the retention prune
removes entries, through its own raw path."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.actors import Actor
from audit.models import AppendOnlyError, Entry
from audit.services import prune, record


def test_an_entry_cannot_be_saved_again_or_deleted(alice):
    entry = record(actor=Actor.of_user(alice, "test"), action="video.create")
    entry.action = "video.delete"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    entry.refresh_from_db()
    assert entry.action == "video.create"


def test_the_queryset_refuses_update_and_delete(alice):
    record(actor=Actor.of_user(alice, "test"), action="video.create")
    with pytest.raises(AppendOnlyError):
        Entry.objects.filter(action="video.create").update(action="x")
    with pytest.raises(AppendOnlyError):
        Entry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        Entry.objects.bulk_update(list(Entry.objects.all()), ["action"])
    assert list(Entry.objects.filter(action="video.create").values_list("action", flat=True)) == ["video.create"]


def test_deleting_a_project_keeps_its_history(alice, project):
    from accounts.models import Project

    record(actor=Actor.of_user(alice, "test"), action="project.touch", target=project)
    Project.objects.filter(pk=project.pk).delete()
    entry = Entry.objects.get(action="project.touch")
    assert (entry.project_id, entry.project_name, entry.target_label) == (project.pk, "Launch film", "Launch film")


def test_the_prune_removes_only_entries_older_than_the_retention(alice, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    now = timezone.now()
    for days in (400, 31, 29, 0):
        Entry(action=f"old.{days}", created_at=now - timedelta(days=days), actor_name="alice").save()

    assert prune(now=now) == 2

    left = set(Entry.objects.exclude(action="project.create").values_list("action", flat=True))
    assert left == {"old.29", "old.0", "audit.prune"}
    pruned = Entry.objects.get(action="audit.prune")
    assert pruned.detail["removed"] == 2 and pruned.via == "system"


def test_a_retention_of_zero_keeps_everything(db, settings):
    settings.AUDIT_RETENTION_DAYS = 0
    Entry(action="ancient", created_at=timezone.now() - timedelta(days=5000)).save()
    assert prune() == 0
    assert Entry.objects.filter(action="ancient").exists()


def test_setup_schedules_installs_the_daily_prune(db):
    from django.core.management import call_command
    from django.utils.module_loading import import_string
    from django_q.models import Schedule

    call_command("setup_schedules")
    call_command("setup_schedules")
    schedule = Schedule.objects.get(name="audit log retention")
    assert schedule.func == "audit.tasks.prune_audit_log" and schedule.schedule_type == Schedule.DAILY
    assert callable(import_string(schedule.func))


def test_the_database_refuses_changes_behind_the_models_back(alice):
    """Raw SQL: an UPDATE is refused on both databases; on PostgreSQL a DELETE outside the prune is refused too
    (SQLite's test database is emptied with DELETE, so it has no delete trigger; the prune test runs on both)."""
    from django.db import DatabaseError, connection, transaction

    entry = record(actor=Actor.of_user(alice, "test"), action="video.create")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_entry SET action = 'forged' WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.action == "video.create"
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_entry WHERE id = %s", [entry.pk])
        assert Entry.objects.filter(pk=entry.pk).exists()
