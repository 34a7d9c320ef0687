from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

urlpatterns = [
    path("", include("videos.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("healthz/", account_views.healthz, name="healthz"),
]

if settings.SORA_SIMULATOR:
    urlpatterns.append(path("sim/v1/", include("videos.sora.simulator.urls")))
