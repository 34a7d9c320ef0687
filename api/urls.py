from __future__ import annotations

from django.urls import path, re_path

from api import v1, views

app_name = "api"

# The Team API speaks the contract's paths under /v1/ (no trailing slash, as the SDK sends them). The fixed words
# (edits, extensions, characters) come before the {video_id} routes they would otherwise match.
v1_patterns = [
    path("v1/videos", v1.videos, name="videos"),
    path("v1/videos/edits", v1.edits, name="edits"),
    path("v1/videos/extensions", v1.extensions, name="extensions"),
    path("v1/videos/characters", v1.characters, name="characters"),
    path("v1/videos/characters/<str:character_id>", v1.character, name="character"),
    path("v1/videos/<str:video_id>", v1.video, name="video"),
    path("v1/videos/<str:video_id>/content", v1.content, name="content"),
    path("v1/videos/<str:video_id>/remix", v1.remix, name="remix"),
    path("v1/openapi.json", views.openapi, name="openapi"),
    re_path(r"^v1/(?P<rest>.*)$", v1.not_found_route, name="not-found"),
]

urlpatterns = [
    path("settings/api-tokens/", views.tokens, name="tokens"),
    path("settings/api-tokens/new/", views.token_create, name="token-create"),
    path("settings/api-tokens/<uuid:public_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("settings/api-tokens/guide/", views.guide, name="guide"),
    *v1_patterns,
]
