"""Writing the audit log. Services call `record()` where the actor is known, or wrap a write in `attempt()`, which
records it once it is done, or records the refusal (role too weak, not a member, over quota, not allowed now)
after the write's own transaction has rolled back, so the refusal is kept while the refused write is not.

    from audit import services as audit
    audit.record(actor=actor, action="token.create", target=token, project=project, detail={"scope": "read"})

Actions are dotted names: video.create/remix/edit/extend/retry/cancel/delete/download, project.create/export/import,
member.add/role/remove, quota.rule.add/change/delete, quota.grant, provider.add/change/delete,
provider_model.add/change/delete, token.create/revoke/... (the Team API), audit.export, audit.prune.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone

from accounts.actors import Actor, ActorKind, client_address
from audit.models import Entry

if TYPE_CHECKING:
    from django.http import HttpRequest

log = logging.getLogger(__name__)

OK = Entry.Outcome.OK
REFUSED = Entry.Outcome.REFUSED
Via = Entry.Via

# How each kind of actor came in (a member's "session" label means a signed-in page; any other label is a command).
_VIA = {
    ActorKind.TOKEN: Via.TOKEN, ActorKind.GUEST: Via.GUEST, ActorKind.STAFF: Via.ADMIN, ActorKind.SYSTEM: Via.SYSTEM,
}  # fmt: skip


def via_of(actor: Actor) -> tuple[str, str]:
    """(via, via_label) for an actor: session, token (its label), guest, admin, command (its name) or system (what)."""
    if actor.kind == ActorKind.MEMBER:
        if actor.label == "session":
            return Via.SESSION, ""
        return Via.COMMAND, actor.label
    via = _VIA.get(actor.kind, Via.SYSTEM)
    return via, "" if actor.label == via else actor.label


def describe(target: Any) -> tuple[str, str, str]:
    """(type, public id, short label) of an object the log names."""
    if target is None:
        return "", "", ""
    if isinstance(target, tuple):
        return target  # already described: (type, id, label)
    meta = target._meta
    name = meta.model_name
    if name == "video":
        return "video", str(target.public_id), target.prompt[:80]
    if name == "user":
        return "user", str(target.public_id), target.username
    if name == "project":
        return "project", str(target.public_id), target.name[:100]
    if name == "membership":
        return "member", str(target.user.public_id), f"{target.user.username} ({target.role})"
    if name == "provider":
        return "provider", target.slug, target.name[:100]
    ident = getattr(target, "public_id", None) or target.pk
    return name, str(ident), str(target)[:200]


def _project_of(target: Any):
    if getattr(target, "_meta", None) is not None and target._meta.label_lower == "accounts.project":
        return target
    project = getattr(target, "project", None)
    return project if project is not None and getattr(project, "_meta", None) is not None else None


def record(
    *,
    actor: Actor,
    action: str,
    target: Any = None,
    project=None,
    outcome: str = OK,
    request: HttpRequest | None = None,
    detail: dict | None = None,
    reason: str = "",
    on_behalf_of=None,
) -> Entry:
    """Write one entry. `target` is a model instance (or a (type, id, label) tuple); `project` defaults to the
    target's; `request` supplies the client's address when the actor has none; `on_behalf_of` is the member a staff
    user acted for."""
    kind, target_id, label = describe(target)
    if project is None and not isinstance(target, tuple):
        project = _project_of(target)
    via, via_label = via_of(actor)
    address = actor.address or (client_address(request) if request is not None else "")
    user = actor.user if actor.user is not None and actor.user.pk else None
    behalf = on_behalf_of if on_behalf_of is not None and (user is None or on_behalf_of.pk != user.pk) else None
    entry = Entry(
        action=action, outcome=outcome, reason=reason[:2000], actor=user, actor_name=user.username if user else "",
        actor_kind=actor.kind, on_behalf_of=behalf, on_behalf_of_name=behalf.username if behalf else "", via=via,
        via_label=(via_label or "")[:100], ip_address=address or None, project=project,
        project_name=project.name if project is not None else "", target_type=kind, target_id=target_id,
        target_label=label[:200], detail=detail or {},
    )  # fmt: skip
    entry.save()
    return entry


def reason_of(exc: Exception) -> str:
    if isinstance(exc, Http404):
        return "Not a member of the project."
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or exc.__class__.__name__


REFUSALS = (PermissionDenied, Http404, ValidationError)


@dataclass
class Attempt:
    """What an `attempt()` records: set `targets` (or `target`) once the write has made its objects."""

    project: Any = None
    targets: list = field(default_factory=list)
    detail: dict = field(default_factory=dict)
    on_behalf_of: Any = None
    skip: bool = False

    @property
    def target(self):
        return self.targets[0] if self.targets else None

    @target.setter
    def target(self, value) -> None:
        self.targets = [value] if value is not None else []


def mark_recorded(exc: BaseException) -> None:
    exc._audit_recorded = True  # type: ignore[attr-defined]


def is_recorded(exc: BaseException) -> bool:
    return getattr(exc, "_audit_recorded", False)


@contextmanager
def attempt(
    *, actor: Actor, action: str, project=None, target: Any = None, detail: dict | None = None, on_behalf_of=None
) -> Iterator[Attempt]:
    """Record a write: on success one entry per target (one without when there is none); on a refusal
    (PermissionDenied, Http404, ValidationError, quotas.QuotaExceeded) one refused entry with the reason, written
    after the write's transaction was rolled back (wrap the transaction, not the other way round)."""
    entry = Attempt(project=project, detail=dict(detail or {}), on_behalf_of=on_behalf_of)
    if target is not None:
        entry.target = target
    try:
        yield entry
    except REFUSALS as exc:
        if not is_recorded(exc) and not connection.needs_rollback:
            mark_recorded(exc)
            if getattr(exc, "code", "") == "quota_exceeded":
                entry.detail["refused_by"] = "quota"
            record(actor=actor, action=action, target=entry.target, project=entry.project, outcome=REFUSED,
                   reason=reason_of(exc), detail=entry.detail, on_behalf_of=entry.on_behalf_of)  # fmt: skip
        raise
    if entry.skip:
        return
    for target in entry.targets or [None]:
        record(actor=actor, action=action, target=target, project=entry.project, detail=entry.detail,
               on_behalf_of=entry.on_behalf_of)  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Retention
# ---------------------------------------------------------------------------------------------------------------
def retention_cutoff(now: datetime | None = None) -> datetime | None:
    days = getattr(settings, "AUDIT_RETENTION_DAYS", 0)
    if not days:
        return None
    return (now or timezone.now()) - timedelta(days=days)


def prune(*, now: datetime | None = None) -> int:
    """Remove entries older than AUDIT_RETENTION_DAYS (0: keep everything). The only deletion the log allows, so it
    goes around the model's refusal with one raw DELETE; the prune itself is recorded. Returns how many went."""
    cutoff = retention_cutoff(now)
    if cutoff is None:
        return 0
    table = connection.ops.quote_name(Entry._meta.db_table)
    column = connection.ops.quote_name(Entry._meta.get_field("created_at").column)
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The table's trigger (migration 0002) lets a DELETE through only in a transaction that says so.
                cursor.execute("SELECT set_config('audit.prune', 'on', true)")
            cursor.execute(f"DELETE FROM {table} WHERE {column} < %s", [cutoff])
            removed = max(cursor.rowcount, 0)
        if removed:
            record(actor=Actor.system("retention"), action="audit.prune",
                   detail={"removed": removed, "older_than": cutoff.isoformat(),
                           "retention_days": settings.AUDIT_RETENTION_DAYS})  # fmt: skip
    log.info("audit log: %s entries older than %s removed", removed, cutoff)
    return removed
