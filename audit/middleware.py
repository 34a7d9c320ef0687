"""Refusals that pages make before any service runs (a viewer posting a remix gets 403 from the view's own role
check) are recorded here, so the log holds every refused attempt whichever layer refused it. Services record
their own refusals (audit.services.attempt) and mark the exception, so nothing is recorded twice."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.actors import Actor
from audit import services

# url name -> (action, what the url's public_id names: "video" or "project")
ACTIONS = {
    "videos:create": ("video.create", "project"),
    "videos:remix": ("video.remix", "video"),
    "videos:edit": ("video.edit", "video"),
    "videos:extend": ("video.extend", "video"),
    "videos:delete": ("video.delete", "video"),
    "videos:retry": ("video.retry", "video"),
    "videos:cancel": ("video.cancel", "video"),
    "accounts:member-add": ("member.add", "project"),
    "accounts:member-role": ("member.role", "project"),
    "accounts:member-remove": ("member.remove", "project"),
    "audit:project-history": ("audit.view", "project"),
    "transfer:project-export": ("project.export", "project"),
    "reviews:video-review": ("review.change", "video"),
}
# These are refusals even on GET (the others only count when something was posted).
READS = {"audit:project-history", "transfer:project-export"}


def _target(kind: str, public_id):
    from accounts.models import Project
    from videos.models import Video

    if kind == "video":
        video = Video.objects.select_related("project").filter(public_id=public_id).first()
        return (video, video.project) if video else (None, None)
    project = Project.objects.filter(public_id=public_id).first()
    return (project, project) if project else (None, None)


class RefusalMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (PermissionDenied, Http404)) or services.is_recorded(exception):
            return None
        match = getattr(request, "resolver_match", None)
        name = match.view_name if match else ""
        if name not in ACTIONS or (request.method != "POST" and name not in READS):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        action, kind = ACTIONS[name]
        target, project = _target(kind, match.kwargs.get("public_id"))
        if target is None:
            return None  # a made-up id: nothing to attach the refusal to
        services.mark_recorded(exception)
        services.record(actor=Actor.member(request), action=action, target=target, project=project,
                        outcome=services.REFUSED, reason=services.reason_of(exception))  # fmt: skip
        return None
