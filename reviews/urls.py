from __future__ import annotations

from django.urls import path

from reviews import views_organise

app_name = "reviews"

urlpatterns: list = [
    # Organise (part 2): a member's star, a video's tags and title, the galleries' bulk actions.
    path("videos/<uuid:public_id>/favourite/", views_organise.favourite, name="favourite"),
    path("videos/<uuid:public_id>/tags/add/", views_organise.tag_add, name="tag-add"),
    path("videos/<uuid:public_id>/tags/remove/", views_organise.tag_remove, name="tag-remove"),
    path("videos/<uuid:public_id>/title/", views_organise.title, name="title"),
    path("videos/bulk/tag/", views_organise.bulk_tag, name="bulk-tag"),
    path("videos/bulk/favourite/", views_organise.bulk_favourite, name="bulk-favourite"),
    path("videos/bulk/delete/", views_organise.bulk_delete, name="bulk-delete"),
    path("videos/bulk/zip/", views_organise.bulk_zip, name="bulk-zip"),
]
