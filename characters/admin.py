from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from characters import services
from characters.models import Appearance, Character, CharacterUpload


class CharacterAdminForm(forms.ModelForm):
    class Meta:
        model = Character
        fields = ("name",)

    def clean_name(self) -> str:
        try:
            return services.clean_name(self.instance.project, self.cleaned_data["name"], exclude=self.instance.id)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["name"]) from None


class CharacterUploadInline(admin.TabularInline):
    model = CharacterUpload
    extra = 0
    fields = ("provider", "upstream_id", "created_at")
    readonly_fields = fields
    can_delete = True  # forgetting an upload makes the provider learn the character again on its next video

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Character)
class CharacterAdmin(admin.ModelAdmin):
    form = CharacterAdminForm
    list_display = ("name", "project", "created_by", "width", "height", "seconds", "created_at")
    list_filter = ("project",)
    search_fields = ("name", "project__name")
    readonly_fields = ("public_id", "project", "clip", "thumbnail", "source_video", "width", "height", "seconds",
                       "created_by", "created_at", "updated_at")  # fmt: skip
    fields = ("name", *readonly_fields)
    inlines = [CharacterUploadInline]

    def has_add_permission(self, request) -> bool:
        return False  # a character is made from a checked clip, on the cast page


@admin.register(Appearance)
class AppearanceAdmin(admin.ModelAdmin):
    list_display = ("character", "video", "position")
    list_select_related = ("character", "video")
    raw_id_fields = ("video", "character")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
