"""Admin saves recorded in the audit log: add, change and delete of the admin's own forms (providers, models, quota
rules, users, projects) and of their inline rows (quota rules, provider models, memberships), by the staff user, from
the admin. Writes that go through services (grants, memberships in their own admin) are recorded there instead."""

from __future__ import annotations

import json

from accounts.actors import Actor
from audit import services

# Inline rows' actions by model: what adding, changing and deleting one is called.
INLINE_ACTIONS = {
    "quotas.quotarule": {"add": "quota.rule.add", "change": "quota.rule.change", "delete": "quota.rule.delete"},
    "providers.providermodel": {
        "add": "provider_model.add", "change": "provider_model.change", "delete": "provider_model.delete",
    },
    "accounts.membership": {"add": "member.add", "change": "member.role", "delete": "member.remove"},
}


def _plain(message) -> list | str:
    return json.loads(json.dumps(message, default=str))


class AuditedAdminMixin:
    """Set `audit_action` ("provider", "quota.rule", ...): its .add/.change/.delete are recorded."""

    audit_action = ""

    def log_addition(self, request, obj, message):
        services.record(actor=Actor.staff(request), action=f"{self.audit_action}.add", target=obj,
                        detail={"change": _plain(message)})  # fmt: skip
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        services.record(actor=Actor.staff(request), action=f"{self.audit_action}.change", target=obj,
                        detail={"change": _plain(message)})  # fmt: skip
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            services.record(actor=Actor.staff(request), action=f"{self.audit_action}.delete", target=obj)
        return super().log_deletions(request, queryset)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        actions = INLINE_ACTIONS.get(formset.model._meta.label_lower)
        if actions is None:
            return
        actor = Actor.staff(request)
        for obj in formset.new_objects:
            services.record(actor=actor, action=actions["add"], target=obj)
        for obj, fields in formset.changed_objects:
            services.record(actor=actor, action=actions["change"], target=obj, detail={"fields": list(fields)})
        for obj in formset.deleted_objects:
            services.record(actor=actor, action=actions["delete"], target=obj)
