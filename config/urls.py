from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from accounts import views as account_views
from config.health import healthz

admin.site.site_header = "Sora Studio admin"
admin.site.site_title = "Sora Studio admin"
admin.site.index_title = "Studio administration"

urlpatterns = [
    path("", include("videos.urls")),
    path("", include("characters.urls")),
    path("", include("api.urls")),
    path("", include("storyboards.urls")),
    path("", include("reviews.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("audit.urls")),
    path("accounts/", include("transfer.urls")),
    # Before Django's own: the studio's reset view (its mail, its hourly limits) under Django's name and path.
    path("accounts/password_reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("healthz/", healthz, name="healthz"),
    # Browsers ask for /favicon.ico on every page (the admin's have no <link rel="icon">). Lazy: the static URL
    # (hashed in production) is looked up when asked, not at import.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("img/favicon.svg"), permanent=True)),
]

if settings.SORA_SIMULATOR:
    from videos.sora.simulator import urls as simulator_urls

    urlpatterns += [
        path("sim/v1/", include("videos.sora.simulator.urls")),
        # The same simulator taking on another server's behaviour (videos/sora/simulator/profiles.py).
        path("sim/<str:profile>/v1/", include((simulator_urls.urlpatterns, "simulator"), namespace="simulator-profile")),
    ]
