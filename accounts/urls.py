from __future__ import annotations

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("projects/", views.projects, name="projects"),
    path("projects/new/", views.project_create, name="project-create"),
    path("projects/<uuid:public_id>/", views.project, name="project"),
    path("projects/<uuid:public_id>/members/add/", views.member_add, name="member-add"),
    path("projects/<uuid:public_id>/members/<uuid:member_public_id>/role/", views.member_role, name="member-role"),
    path("projects/<uuid:public_id>/members/<uuid:member_public_id>/remove/", views.member_remove, name="member-remove"),
    path("projects/<uuid:public_id>/leave/", views.project_leave, name="project-leave"),
]
