from __future__ import annotations

from urllib.parse import urlparse

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services, throttle
from accounts.access import Role, project_for
from accounts.actors import Actor
from accounts.forms import MemberAddForm, MemberRoleForm, ProjectForm, SignupForm
from accounts.models import Membership
from accounts.selectors import project_labels


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view with the studio's mail (naming SITE_URL, never the request's Host) and hourly limits.

    Over a limit nothing is sent, and the answer is the same "if an account uses that address" page as always, so
    it tells nobody whether an account exists.
    """

    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if throttle.reset_mail_allowed(email=email, ip_address=throttle.client_ip(self.request)):
            form.save(
                domain_override=urlparse(settings.SITE_URL).netloc,
                token_generator=self.token_generator,
                email_template_name=self.email_template_name,
                subject_template_name=self.subject_template_name,
                request=self.request,
                extra_email_context={"site_name": "Sora Studio", "site_url": settings.SITE_URL},
            )
        return redirect(self.get_success_url())


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if not settings.SIGNUP_OPEN:
        raise Http404("Sign-up is closed on this studio. Ask an administrator for an account.")
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.username}! Your personal project is ready.")
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "registration/signup.html", {"form": form, "page": "signup"})


@login_required
@require_GET
def projects(request: HttpRequest) -> HttpResponse:
    return _projects_page(request, ProjectForm())


def _projects_page(request: HttpRequest, form: ProjectForm, status: int = 200) -> HttpResponse:
    memberships = list(
        Membership.objects.filter(user=request.user).select_related("project").order_by("project__name", "project_id")
    )
    project_labels(request.user, [m.project for m in memberships])  # names that collide get their owners
    return render(
        request, "accounts/projects.html", {"memberships": memberships, "form": form, "page": "projects"}, status=status
    )


@login_required
@require_POST
def project_create(request: HttpRequest) -> HttpResponse:
    form = ProjectForm(request.POST)
    if form.is_valid():
        try:
            project = services.project_create(actor=Actor.member(request), name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Project “{project.name}” created. You are its owner.")
            return redirect("accounts:project", public_id=project.public_id)
    return _projects_page(request, form, status=400)


def _project_page(request: HttpRequest, project, add_form: MemberAddForm | None = None, status: int = 200):
    from reviews.review_selectors import project_review_context

    members = project.memberships.select_related("user").order_by("user__username")
    ctx = {
        "project": project,
        "membership": project.membership,
        "members": members,
        "add_form": add_form or MemberAddForm(),
        "role_choices": Role.choices,
        "is_owner": project.membership.has_role(Role.OWNER),
        "page": "project",
    }
    ctx.update(project_review_context(project))  # reviews/: the review policy (owners)
    return render(request, "accounts/project.html", ctx, status=status)


@login_required
@require_GET
def project(request: HttpRequest, public_id) -> HttpResponse:
    return _project_page(request, project_for(request.user, public_id))


@login_required
@require_POST
def member_add(request: HttpRequest, public_id) -> HttpResponse:
    project = project_for(request.user, public_id, Role.OWNER)
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            membership = services.member_add(
                actor=Actor.member(request), project=project, identifier=form.cleaned_data["identifier"], role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            form.add_error("identifier", exc)
        else:
            messages.success(request, f"{membership.user.username} joined {project.name} as {membership.get_role_display().lower()}.")
            return redirect("accounts:project", public_id=project.public_id)
    return _project_page(request, project, add_form=form, status=400)


def _member_in(project, member_public_id) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user", "project"), project=project, user__public_id=member_public_id
    )


@login_required
@require_POST
def member_role(request: HttpRequest, public_id, member_public_id) -> HttpResponse:
    project = project_for(request.user, public_id, Role.OWNER)
    membership = _member_in(project, member_public_id)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role: viewer, editor or owner.")
    else:
        try:
            services.member_set_role(actor=Actor.member(request), membership=membership, role=form.cleaned_data["role"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{membership.user.username} is now {membership.get_role_display().lower()}.")
    return redirect("accounts:project", public_id=project.public_id)


@login_required
@require_POST
def member_remove(request: HttpRequest, public_id, member_public_id) -> HttpResponse:
    project = project_for(request.user, public_id, Role.OWNER)
    membership = _member_in(project, member_public_id)
    try:
        services.member_remove(actor=Actor.member(request), membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{membership.user.username} was removed from {project.name}.")
    return redirect("accounts:project", public_id=project.public_id)


@login_required
@require_POST
def project_leave(request: HttpRequest, public_id) -> HttpResponse:
    project = project_for(request.user, public_id)
    try:
        services.member_remove(actor=Actor.member(request), membership=project.membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:project", public_id=project.public_id)
    messages.success(request, f"You left {project.name}.")
    return redirect("accounts:projects")
