from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from accounts.access import Role, project_for


@login_required
@require_GET
def project_export(request: HttpRequest, public_id) -> HttpResponse:
    project_for(request.user, public_id, Role.OWNER)
    return HttpResponse(status=501)
