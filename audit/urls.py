from __future__ import annotations

from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("projects/<uuid:public_id>/history/", views.project_history, name="project-history"),
]
