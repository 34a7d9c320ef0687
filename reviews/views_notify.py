"""The notification pages: a user's notifications (the bell's page, its unread count as JSON for the live title),
their mail settings, and a project's outgoing webhooks (its owner only)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import Role, project_for
from accounts.actors import Actor
from reviews import notify_services as services
from reviews import notify_webhooks as webhooks
from reviews.models import Notification, WebhookDelivery, WebhookEndpoint
from reviews.notify_forms import NotifySettingsForm, WebhookForm

LIST_SIZE = 50
LATEST = 5
DELIVERIES_SHOWN = 20


# ---------------------------------------------------------------------------------------------------------------
# A user's notifications
# ---------------------------------------------------------------------------------------------------------------
@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    rows = list(Notification.objects.filter(user=request.user).select_related("project")[:LIST_SIZE])
    for row in rows:
        row.url = services.target_url(row)
    # All unread, not only those among the latest shown.
    ctx = {"notifications": rows, "unread": services.unread_count(request.user), "page": "notifications"}
    return render(request, "reviews/notify_list.html", ctx)


@login_required
@require_GET
def unread(request: HttpRequest) -> JsonResponse:
    """The bell's count and the latest unread (for the tab title and browser notifications)."""
    latest = list(Notification.objects.filter(user=request.user, read_at__isnull=True)[:LATEST])
    count = len(latest) if len(latest) < LATEST else services.unread_count(request.user)
    return JsonResponse({
        "unread": count,
        "latest": [{"id": str(n.public_id), "text": n.text, "url": services.target_url(n),
                    "created_at": n.created_at.isoformat()} for n in latest],
    })  # fmt: skip


@login_required
@require_POST
def notification_read(request: HttpRequest, public_id) -> HttpResponse:
    notification = services.notification_read(user=request.user, public_id=public_id)
    if request.POST.get("open"):
        return redirect(services.target_url(notification))
    return redirect("reviews:notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    n = services.notifications_read_all(user=request.user)
    messages.success(request, f"Marked {n} notification{'s' if n != 1 else ''} read.")
    return redirect("reviews:notifications")


@login_required
@require_http_methods(["GET", "POST"])
def notify_settings(request: HttpRequest) -> HttpResponse:
    prefs = services.settings_for(request.user)
    form = NotifySettingsForm(request.POST if request.method == "POST" else None, instance=prefs)
    if request.method == "POST" and form.is_valid():
        services.notify_settings_update(user=request.user, **form.cleaned_data)
        messages.success(request, "Notification settings saved.")
        return redirect("reviews:notify-settings")
    ctx = {"form": form, "batch_minutes": settings.NOTIFY_EMAIL_BATCH_MINUTES, "page": "notify-settings"}
    return render(request, "reviews/notify_settings.html", ctx, status=400 if form.errors else 200)


# ---------------------------------------------------------------------------------------------------------------
# A project's webhooks (its owner)
# ---------------------------------------------------------------------------------------------------------------
def _endpoint_for(request: HttpRequest, public_id) -> WebhookEndpoint:
    """The endpoint, if the user owns its project (outsider 404, weaker role 403)."""
    endpoint = WebhookEndpoint.objects.select_related("project").filter(public_id=public_id).first()
    if endpoint is None:
        raise Http404("No such webhook.")
    endpoint.project = project_for(request.user, endpoint.project.public_id, Role.OWNER)
    return endpoint


def _webhooks_page(request: HttpRequest, project, *, form: WebhookForm | None = None, secret: str = "",
                   secret_for: WebhookEndpoint | None = None, status: int = 200) -> HttpResponse:  # fmt: skip
    endpoints = list(project.webhook_endpoints.all())
    for endpoint in endpoints:
        endpoint.form = WebhookForm(initial={"url": endpoint.url, "events": endpoint.events,
                                             "enabled": endpoint.enabled}, prefix=str(endpoint.public_id))  # fmt: skip
    deliveries = list(WebhookDelivery.objects.filter(endpoint__project=project).select_related("endpoint")
                      [:DELIVERIES_SHOWN])  # fmt: skip
    ctx = {
        "project": project, "endpoints": endpoints, "deliveries": deliveries, "form": form or WebhookForm(),
        "secret": secret, "secret_for": secret_for, "max_endpoints": webhooks.MAX_ENDPOINTS, "page": "project",
    }  # fmt: skip
    response = render(request, "reviews/notify_webhooks.html", ctx, status=status)
    if secret:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def project_webhooks(request: HttpRequest, public_id) -> HttpResponse:
    return _webhooks_page(request, project_for(request.user, public_id, Role.OWNER))


@login_required
@require_POST
def webhook_create(request: HttpRequest, public_id) -> HttpResponse:
    project = project_for(request.user, public_id, Role.OWNER)
    form = WebhookForm(request.POST)
    if form.is_valid():
        try:
            endpoint, secret = webhooks.endpoint_create(actor=Actor.member(request), project=project,
                                                        **form.cleaned_data)  # fmt: skip
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, "Webhook added. Copy its secret now: it is shown only this once.")
            return _webhooks_page(request, project, secret=secret, secret_for=endpoint)
    return _webhooks_page(request, project, form=form, status=400)


@login_required
@require_POST
def webhook_update(request: HttpRequest, public_id) -> HttpResponse:
    endpoint = _endpoint_for(request, public_id)
    form = WebhookForm(request.POST, prefix=str(endpoint.public_id))
    if form.is_valid():
        try:
            webhooks.endpoint_update(actor=Actor.member(request), endpoint=endpoint, **form.cleaned_data)
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
            return _webhooks_page(request, endpoint.project, status=400)
        messages.success(request, "Webhook saved.")
    else:
        messages.error(request, " ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return _webhooks_page(request, endpoint.project, status=400)
    return redirect("reviews:project-webhooks", endpoint.project.public_id)


@login_required
@require_POST
def webhook_rotate(request: HttpRequest, public_id) -> HttpResponse:
    endpoint = _endpoint_for(request, public_id)
    secret = webhooks.endpoint_rotate(actor=Actor.member(request), endpoint=endpoint)
    messages.success(request, "New secret made; the old one no longer verifies. Copy it now: it is shown only once.")
    return _webhooks_page(request, endpoint.project, secret=secret, secret_for=endpoint)


@login_required
@require_POST
def webhook_delete(request: HttpRequest, public_id) -> HttpResponse:
    endpoint = _endpoint_for(request, public_id)
    project = endpoint.project
    webhooks.endpoint_delete(actor=Actor.member(request), endpoint=endpoint)
    messages.success(request, "Webhook removed.")
    return redirect("reviews:project-webhooks", project.public_id)


@login_required
@require_POST
def webhook_test(request: HttpRequest, public_id) -> HttpResponse:
    endpoint = _endpoint_for(request, public_id)
    webhooks.endpoint_send_test(actor=Actor.member(request), endpoint=endpoint)
    messages.success(request, "Test event queued: its delivery is listed below.")
    return redirect("reviews:project-webhooks", endpoint.project.public_id)
