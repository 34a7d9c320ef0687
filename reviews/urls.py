from __future__ import annotations

from django.urls import path

from reviews import views_share

app_name = "reviews"

urlpatterns: list = [
    # Share (guest links): editors make and revoke them; guests open /g/<token>/ without an account.
    path("videos/<uuid:public_id>/guest-links/", views_share.create_for_video, name="share-create-video"),
    path("cuts/<uuid:public_id>/guest-links/", views_share.create_for_cut, name="share-create-cut"),
    path("guest-links/<uuid:public_id>/revoke/", views_share.revoke, name="share-revoke"),
    path("g/<str:token>/", views_share.guest, name="guest"),
    path("g/<str:token>/<str:variant>/", views_share.guest_file, name="guest-file"),
]
