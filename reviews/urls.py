from __future__ import annotations

from django.urls import path

from reviews import views_notify, views_organise, views_review, views_share

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
    # Notifications (part 4)
    path("notifications/", views_notify.notifications, name="notifications"),
    path("notifications/unread/", views_notify.unread, name="notify-unread"),
    path("notifications/read-all/", views_notify.notifications_read_all, name="notify-read-all"),
    path("notifications/settings/", views_notify.notify_settings, name="notify-settings"),
    path("notifications/<uuid:public_id>/read/", views_notify.notification_read, name="notify-read"),
    path("projects/<uuid:public_id>/webhooks/", views_notify.project_webhooks, name="project-webhooks"),
    path("projects/<uuid:public_id>/webhooks/new/", views_notify.webhook_create, name="webhook-create"),
    path("outgoing-webhooks/<uuid:public_id>/edit/", views_notify.webhook_update, name="webhook-update"),
    path("outgoing-webhooks/<uuid:public_id>/rotate/", views_notify.webhook_rotate, name="webhook-rotate"),
    path("outgoing-webhooks/<uuid:public_id>/delete/", views_notify.webhook_delete, name="webhook-delete"),
    path("outgoing-webhooks/<uuid:public_id>/test/", views_notify.webhook_test, name="webhook-test"),
]
