"""The simulator's ``/v1`` paths, without trailing slashes as the real API, mounted twice (config/urls.py):
``sim/v1/`` (the contract) and ``sim/<profile>/v1/`` (any profile of profiles.py, passed to the views as
``profile``)."""

from __future__ import annotations

from django.urls import path, re_path

from . import views

app_name = "simulator"
urlpatterns = [
    path("videos", views.videos, name="videos"),
    path("videos/edits", views.edits, name="edits"),
    path("videos/extensions", views.extensions, name="extensions"),
    path("videos/characters", views.characters, name="characters"),
    path("videos/characters/<str:character_id>", views.character, name="character"),
    path("videos/<str:video_id>", views.video, name="video"),
    path("videos/<str:video_id>/content", views.content, name="content"),
    path("videos/<str:video_id>/remix", views.remix, name="remix"),
    re_path(r"^(?P<path>.*)$", views.not_found, name="not-found"),
]
