from __future__ import annotations

from django.urls import path

from reviews import views_notify

app_name = "reviews"

urlpatterns: list = [
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
