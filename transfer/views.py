from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from accounts.access import Role, project_for
from accounts.actors import Actor
from audit import services as audit
from transfer import exports


@login_required
@require_GET
def project_export(request: HttpRequest, public_id) -> StreamingHttpResponse:
    """The whole project as one zip, streamed (owners only): project.json and every archived file."""
    project = project_for(request.user, public_id, Role.OWNER)
    plan = exports.export_plan(project)
    audit.record(actor=Actor.member(request), action="project.export", target=project,
                 detail={"videos": len(plan.manifest["videos"]), "files": len(plan.files),
                         "bytes": plan.total_bytes})  # fmt: skip
    response = StreamingHttpResponse(exports.export_stream(plan), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, exports.export_filename(project))
    response["Cache-Control"] = "private, no-store"
    return response
