"""The Team API's pages: the member's tokens (settings), how to use one with the SDK, the OpenAPI description.

The /v1 endpoints themselves are in api/v1.py (token-authenticated, never a session).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.actors import Actor
from api import selectors, services
from api.forms import TokenForm
from api.models import ApiToken
from api.openapi import description


def base_url(request: HttpRequest) -> str:
    """The studio's /v1 as this request reached it (what a client's base_url must be)."""
    return request.build_absolute_uri("/v1").rstrip("/")


def _tokens_page(request: HttpRequest, form: TokenForm, *, new_token: str = "", new_row=None, status: int = 200):
    ctx = {
        "page": "api-tokens",
        "form": form,
        "tokens": selectors.tokens_of(request.user),
        "new_token": new_token,
        "new_row": new_row,
        "base_url": base_url(request),
    }
    response = render(request, "api/tokens.html", ctx, status=status)
    if new_token:
        response["Cache-Control"] = "no-store"  # the secret is on this page only, once
    return response


@login_required
@require_GET
def tokens(request: HttpRequest) -> HttpResponse:
    return _tokens_page(request, TokenForm(memberships=selectors.token_projects(request.user)))


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Make a token and show it once (on this answer only: it is never stored, so never shown again)."""
    form = TokenForm(request.POST, memberships=selectors.token_projects(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            row, token = services.token_create(
                actor=Actor.member(request), user=request.user, name=data["name"], project=form.chosen_project,
                read_only=data["read_only"], expires_days=data.get("expires_days"),
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            fresh = TokenForm(memberships=selectors.token_projects(request.user))
            return _tokens_page(request, fresh, new_token=token, new_row=row)
    return _tokens_page(request, form, status=400)


@login_required
@require_POST
def token_revoke(request: HttpRequest, public_id) -> HttpResponse:
    token = ApiToken.objects.filter(public_id=public_id, user=request.user).first()
    if token is None:
        raise Http404("No such token.")
    if services.token_revoke(actor=Actor.member(request), token=token):
        messages.success(request, f"“{token.name}” is revoked: requests with it are refused from now on.")
    else:
        messages.info(request, f"“{token.name}” was revoked already.")
    return redirect("api:tokens")


@login_required
@require_GET
def guide(request: HttpRequest) -> HttpResponse:
    ctx = {"page": "api-guide", "base_url": base_url(request)}
    return render(request, "api/guide.html", ctx)


@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    """The Team API's OpenAPI description (public: it holds no secret), its server this studio's /v1."""
    return JsonResponse(description(base_url(request)), json_dumps_params={"indent": 1})
