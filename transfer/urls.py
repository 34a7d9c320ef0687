from __future__ import annotations

from django.urls import path

from transfer import views

app_name = "transfer"

urlpatterns = [
    path("projects/<uuid:public_id>/export/", views.project_export, name="project-export"),
]
