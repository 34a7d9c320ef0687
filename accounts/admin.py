from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import reverse

from accounts import services
from accounts.actors import Actor
from accounts.models import Membership, Project, User
from audit import services as audit
from audit.admin_mixins import AuditedAdminMixin
from quotas.admin import ProjectQuotaRuleInline, UserQuotaRuleInline

Role = Membership.Role
LAST_OWNER = "A project keeps at least one owner: make someone else an owner first."


class MembershipFormSet(BaseInlineFormSet):
    """The last-owner rule on the project page: after this save, someone must still own the project."""

    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms) or self.instance.pk is None:
            return
        owners = 0
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            owners += form.cleaned_data.get("role") == Role.OWNER
        if owners == 0:
            raise ValidationError(LAST_OWNER)


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    audit_action = "user"
    list_display = ("username", "email", "is_staff", "is_active", "date_joined", "last_login")
    readonly_fields = ("public_id",)
    inlines = [UserQuotaRuleInline]

    def get_inline_instances(self, request, obj=None):
        return super().get_inline_instances(request, obj) if obj is not None else []  # quota rules once it exists


@admin.register(Project)
class ProjectAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_action = "project"
    list_display = ("name", "is_personal", "member_count", "created_at")
    list_filter = ("is_personal",)
    search_fields = ("name", "public_id", "memberships__user__username")
    readonly_fields = ("public_id", "created_at", "updated_at")
    inlines = [MembershipInline, ProjectQuotaRuleInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_members=Count("memberships"))

    @admin.display(description="members", ordering="_members")
    def member_count(self, obj: Project) -> int:
        return obj._members


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "project", "role"]

    def clean(self):
        data = super().clean()
        old = Membership.objects.filter(pk=self.instance.pk).first() if self.instance.pk else None
        if old is not None and _last_owner(old) and (data.get("role") != Role.OWNER or data.get("project") != old.project):
            raise ValidationError(LAST_OWNER)
        return data


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Changes go through the same services as the project page (the last-owner rule under a lock)."""

    form = MembershipForm
    list_display = ("user", "project", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "project__name")
    autocomplete_fields = ("user", "project")

    def save_model(self, request, obj, form, change):
        if change and form.changed_data == ["role"]:
            current = Membership.objects.select_related("user", "project").get(pk=obj.pk)
            services.member_set_role(actor=Actor.staff(request), membership=current, role=obj.role)
        else:
            super().save_model(request, obj, form, change)
            audit.record(actor=Actor.staff(request), action="member.change" if change else "member.add", target=obj,
                         detail={"fields": list(form.changed_data)})  # fmt: skip

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        if request.method == "POST" and obj is not None and _last_owner(obj):
            self.message_user(request, LAST_OWNER, messages.ERROR)
            return redirect(reverse("admin:accounts_membership_change", args=[obj.pk]))
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        services.member_remove(actor=Actor.staff(request), membership=obj)

    def delete_queryset(self, request, queryset):
        refused = []
        for membership in queryset.select_related("user", "project"):
            try:
                services.member_remove(actor=Actor.staff(request), membership=membership)
            except ValidationError as exc:
                refused.append(" ".join(exc.messages))
        for message in refused:
            self.message_user(request, message, messages.ERROR)


def _last_owner(membership: Membership) -> bool:
    return membership.role == Role.OWNER and not (
        Membership.objects.filter(project=membership.project_id, role=Role.OWNER).exclude(pk=membership.pk).exists()
    )
