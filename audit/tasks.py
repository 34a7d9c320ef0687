"""Scheduled work of the audit log (django-q2; scheduled by `manage.py setup_schedules`)."""

from __future__ import annotations


def prune_audit_log() -> int:
    from audit.services import prune

    return prune()
