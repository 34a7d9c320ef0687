from __future__ import annotations

from django.urls import path

from characters import views

app_name = "characters"

urlpatterns = [
    path("projects/<uuid:public_id>/characters/", views.cast, name="cast"),
    path("projects/<uuid:public_id>/characters/new/", views.create, name="create"),
    path("videos/<uuid:public_id>/make-character/", views.from_video, name="from-video"),
    path("characters/<uuid:public_id>/delete/", views.delete, name="delete"),
    path("characters/<uuid:public_id>/files/<str:variant>/", views.file, name="file"),
]
