from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import Membership, Project, User
from quotas.admin import ProjectQuotaRuleInline, UserQuotaRuleInline


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "is_staff", "is_active", "date_joined", "last_login")
    readonly_fields = ("public_id",)
    inlines = [UserQuotaRuleInline]

    def get_inline_instances(self, request, obj=None):
        return super().get_inline_instances(request, obj) if obj is not None else []  # quota rules once it exists


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
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


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "project", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "project__name")
    autocomplete_fields = ("user", "project")
