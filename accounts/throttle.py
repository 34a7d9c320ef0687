"""Throttling of logins (through django-axes) and of password-reset mails, and the client address both use.

Logins: `config/settings.py` points django-axes here for the client address, the lockout page and the backend.
Reset mails: `reset_mail_allowed` is asked by the reset view before it sends anything.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from accounts.models import PasswordResetRequest

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------------------------
# The client's address
# ---------------------------------------------------------------------------------------------------------------
def _address(raw: str) -> str | None:
    """A bare IP address from a header entry ("1.2.3.4", "1.2.3.4:5678", "[2001:db8::1]:443"), or None."""
    value = raw.strip()
    if value.startswith("["):  # [IPv6]:port
        value = value[1 : value.find("]")] if "]" in value else ""
    elif value.count(":") == 1:  # IPv4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address throttling counts against.

    X-Forwarded-For is trusted only when TRUSTED_PROXY_COUNT says how many proxies of ours append to it: the client
    is then the entry that many places from the right (what the outermost of our proxies saw). Anything a client
    writes further left is ignored, and an unreadable entry falls back to the connection's address.
    """
    remote = _address(request.META.get("REMOTE_ADDR", "") or "")
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count <= 0 or not forwarded.strip():
        return remote
    entries = [entry for entry in forwarded.split(",") if entry.strip()]
    picked = entries[-count] if len(entries) >= count else entries[0]
    return _address(picked) or remote


# ---------------------------------------------------------------------------------------------------------------
# Logins
# ---------------------------------------------------------------------------------------------------------------
class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' check, first in AUTHENTICATION_BACKENDS: a locked-out login is refused before any password check.

    Calls without a request (scripts, Django's test client `login()`) have no client to count and pass through to the
    next backend instead of failing; every login page and the admin pass their request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_wait(username: str | None, ip_address: str | None, *, now=None) -> timedelta:
    """How long until a login for `username` from `ip_address` is accepted again (zero when it is not locked).

    django-axes counts, per username and per address, the failures of attempt rows whose last failure is younger
    than the cool-off; each row drops out whole when its last failure gets that old.
    """
    now = now or timezone.now()
    cool_off, limit = settings.AXES_COOLOFF_TIME, settings.AXES_FAILURE_LIMIT  # as config/settings.py sets them
    fresh = AccessAttempt.objects.filter(attempt_time__gt=now - cool_off)
    counted = [fresh.filter(username=username)] if username else []
    if ip_address:
        counted.append(fresh.filter(ip_address=ip_address))
    wait = timedelta(0)
    for rows in counted:
        attempts = sorted(rows.values_list("attempt_time", "failures_since_start"))
        total = sum(failures for _, failures in attempts)
        for attempt_time, failures in attempts:
            if total < limit:
                break
            total -= failures
            wait = max(wait, attempt_time + cool_off - now)
    return wait


def wait_text(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """The login page again (the studio's own, for the admin's login too), saying why and for how long."""
    username = (credentials or {}).get("username") or request.POST.get("username") or ""
    wait = lockout_wait(username, getattr(request, "axes_ip_address", None) or client_ip(request))
    admin_login = request.path.startswith(reverse("admin:login"))
    next_url = request.POST.get("next") or request.GET.get("next") or (reverse("admin:index") if admin_login else "")
    ctx = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "next": next_url,
        "locked_out": True,
        "wait": wait_text(wait),
        "page": "login",
    }
    return render(request, "registration/login.html", ctx, status=429)


def clear_own_failures(sender, request, user, **kwargs) -> None:
    """After a successful login, forget this username's failures from this address (and only those).

    django-axes' own reset would also clear every failure from the address, so a guesser could wipe their count by
    logging in to an account of their own between guesses.
    """
    if request is None:
        return
    AccessAttempt.objects.filter(username=user.get_username(), ip_address=client_ip(request)).delete()


# ---------------------------------------------------------------------------------------------------------------
# Password-reset mails
# ---------------------------------------------------------------------------------------------------------------
RESET_WINDOW = timedelta(hours=1)


def email_digest(email: str) -> str:
    """A keyed hash of the normalised address: the table can count per address without holding any address."""
    normal = email.strip().lower().encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"password-reset:" + normal, hashlib.sha256).hexdigest()


def reset_mail_allowed(*, email: str, ip_address: str | None, now=None) -> bool:
    """Record a reset request and say whether its mail may go out.

    At most PASSWORD_RESET_MAX_PER_ADDRESS mails per address (whether or not an account has it) and
    PASSWORD_RESET_MAX_PER_CLIENT requests per client address, within the last hour. Refused requests count
    against the client too, so hammering keeps it refused. Count and record are not one locked step: requests
    arriving at the very same moment can each pass (at most one extra mail each); a guard, not an exact quota.
    """
    now = now or timezone.now()
    since = now - RESET_WINDOW
    digest = email_digest(email)
    PasswordResetRequest.objects.filter(created_at__lt=since).delete()  # nothing older is ever counted
    recent = PasswordResetRequest.objects.filter(created_at__gte=since)
    mailed = recent.filter(email_digest=digest, allowed=True).count()
    from_client = recent.filter(ip_address=ip_address).count() if ip_address else 0
    allowed = mailed < settings.PASSWORD_RESET_MAX_PER_ADDRESS and from_client < settings.PASSWORD_RESET_MAX_PER_CLIENT
    PasswordResetRequest.objects.create(email_digest=digest, ip_address=ip_address, allowed=allowed, created_at=now)
    if not allowed:
        reason = "address" if mailed >= settings.PASSWORD_RESET_MAX_PER_ADDRESS else "client"
        logger.warning("Password reset mail withheld: over the hourly limit per %s", reason)
    return allowed
