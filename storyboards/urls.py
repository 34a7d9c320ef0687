from __future__ import annotations

from django.urls import path

from storyboards import views

app_name = "storyboards"

urlpatterns = [
    path("projects/<uuid:public_id>/storyboards/", views.storyboard_list, name="list"),
    path("projects/<uuid:public_id>/storyboards/new/", views.storyboard_create, name="create"),
    path("storyboards/<uuid:public_id>/", views.storyboard_detail, name="detail"),
    path("storyboards/<uuid:public_id>/delete/", views.storyboard_delete, name="delete"),
    path("storyboards/<uuid:public_id>/status/", views.storyboard_status, name="status"),
    path("storyboards/<uuid:public_id>/shots/", views.shot_add, name="shot-add"),
    path("storyboards/<uuid:public_id>/reorder/", views.shots_reorder, name="reorder"),
    path("storyboards/<uuid:public_id>/cuts/", views.cut_create, name="cut-create"),
    path("shots/<uuid:public_id>/edit/", views.shot_update, name="shot-update"),
    path("shots/<uuid:public_id>/delete/", views.shot_delete, name="shot-delete"),
    path("shots/<uuid:public_id>/move/", views.shot_move, name="shot-move"),
    path("shots/<uuid:public_id>/generate/", views.shot_generate, name="shot-generate"),
    path("takes/<uuid:public_id>/choose/", views.take_choose, name="take-choose"),
    path("takes/<uuid:public_id>/edit/", views.take_edit, name="take-edit"),
    path("takes/<uuid:public_id>/extend/", views.take_extend, name="take-extend"),
    path("takes/<uuid:public_id>/remix/", views.take_remix, name="take-remix"),
    path("shots/<uuid:public_id>/adopt/", views.take_adopt, name="take-adopt"),
    path("cuts/<uuid:public_id>/", views.cut_detail, name="cut"),
    path("cuts/<uuid:public_id>/status/", views.cut_status, name="cut-status"),
    path("cuts/<uuid:public_id>/files/<str:variant>/", views.cut_file, name="cut-file"),
    path("cuts/<uuid:public_id>/shots.json", views.cut_shots_json, name="cut-shots"),
    path("cuts/<uuid:public_id>/shot-list/", views.cut_shot_list, name="cut-shot-list"),
]
