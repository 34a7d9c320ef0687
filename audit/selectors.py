"""Reads of the audit log."""

from __future__ import annotations

from django.db.models import QuerySet

from audit.models import Entry


def project_history(project) -> QuerySet[Entry]:
    """Everything recorded about a project, newest first (the owners' History page)."""
    return Entry.objects.filter(project_id=project.id).order_by("-created_at", "-id")
