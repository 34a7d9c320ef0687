from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from accounts.access import Role, project_for
from accounts.actors import Actor
from audit import services as audit
from transfer import exports


@login_required
@require_GET
def project_export(request: HttpRequest, public_id) -> HttpResponse:
    """The whole project as one zip, streamed (owners only): project.json and every archived file. When a file is
    missing from storage, nothing is streamed: the project page says which (and the log says refused)."""
    project = project_for(request.user, public_id, Role.OWNER)
    try:
        plan = exports.export_plan(project)
    except exports.ExportRefused as exc:
        audit.record(actor=Actor.member(request), action="project.export", target=project, outcome=audit.REFUSED,
                     reason=str(exc))  # fmt: skip
        messages.error(request, f"The project cannot be exported: {exc}")
        return redirect("accounts:project", public_id=project.public_id)
    audit.record(actor=Actor.member(request), action="project.export", target=project,
                 detail={"videos": len(plan.manifest["videos"]), "files": len(plan.files),
                         "bytes": plan.total_bytes})  # fmt: skip
    response = StreamingHttpResponse(exports.export_stream(plan), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, exports.export_filename(project))
    response["Cache-Control"] = "private, no-store"
    return response
