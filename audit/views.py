from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.access import Role, project_for
from audit import selectors

PER_PAGE = 50


@login_required
@require_GET
def project_history(request: HttpRequest, public_id) -> HttpResponse:
    """The project's audit history, newest first, for its owners (members who are not owners get 403)."""
    project = project_for(request.user, public_id, Role.OWNER)
    paginator = Paginator(selectors.project_history(project), PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    ctx = {
        "project": project,
        "page_obj": page_obj,
        "entries": page_obj.object_list,
        "page_range": paginator.get_elided_page_range(page_obj.number),
        "page": "project-history",
    }
    return render(request, "audit/project_history.html", ctx)
