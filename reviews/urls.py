from __future__ import annotations

from django.urls import path

from reviews import views_review, views_share

app_name = "reviews"

urlpatterns: list = [
    # Review (part 1): comments, review states, the project's review policy.
    path("videos/<uuid:public_id>/comments/", views_review.video_comment, name="video-comment"),
    path("cuts/<uuid:public_id>/comments/", views_review.cut_comment, name="cut-comment"),
    path("comments/<uuid:public_id>/delete/", views_review.comment_delete, name="comment-delete"),
    path("videos/<uuid:public_id>/review/", views_review.video_review, name="video-review"),
    path("projects/<uuid:public_id>/review-policy/", views_review.review_policy, name="review-policy"),
    # Share (guest links): editors make and revoke them; guests open /g/<token>/ without an account.
    path("videos/<uuid:public_id>/guest-links/", views_share.create_for_video, name="share-create-video"),
    path("cuts/<uuid:public_id>/guest-links/", views_share.create_for_cut, name="share-create-cut"),
    path("guest-links/<uuid:public_id>/revoke/", views_share.revoke, name="share-revoke"),
    path("g/<str:token>/", views_share.guest, name="guest"),
    path("g/<str:token>/<str:variant>/", views_share.guest_file, name="guest-file"),
]
