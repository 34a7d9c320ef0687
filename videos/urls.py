from __future__ import annotations

from django.urls import path

from videos import views, webhooks

app_name = "videos"

urlpatterns = [
    path("", views.gallery, name="gallery"),
    path("projects/<uuid:public_id>/videos/", views.project_gallery, name="project-gallery"),
    path("projects/<uuid:public_id>/videos/new/", views.create, name="create"),
    path("videos/status/", views.status, name="status"),
    path("videos/<uuid:public_id>/", views.detail, name="detail"),
    path("videos/<uuid:public_id>/remix/", views.remix, name="remix"),
    path("videos/<uuid:public_id>/edit/", views.edit, name="edit"),
    path("videos/<uuid:public_id>/extend/", views.extend, name="extend"),
    path("videos/<uuid:public_id>/delete/", views.delete, name="delete"),
    path("videos/<uuid:public_id>/retry/", views.retry, name="retry"),
    path("videos/<uuid:public_id>/cancel/", views.cancel, name="cancel"),
    path("videos/<uuid:public_id>/files/<str:variant>/", views.asset, name="asset"),
    path("webhooks/openai/", webhooks.receive, name="webhook"),
    path("webhooks/<slug:slug>/", webhooks.receive, name="provider-webhook"),
]
