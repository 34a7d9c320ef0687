"""python manage.py create_api_token USERNAME [--project P] [--expires DAYS] [--read-only] [--name N]

Prints the new token once (only its hash is kept)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.actors import Actor
from accounts.models import Project, User
from api import services


class Command(BaseCommand):
    help = "Make a personal API token for the Team API (/v1/videos); the token is printed once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--project", help="The project's id or name (default: the user's personal project).")
        parser.add_argument("--expires", type=int, metavar="DAYS", help="Expire after DAYS days (default: never).")
        parser.add_argument("--read-only", action="store_true", help="A token that can only read.")
        parser.add_argument("--name", default="", help="What the token is for (shown on the settings page).")

    def handle(self, *args, **options) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user is called “{options['username']}”.")
        project = None
        if options["project"]:
            project = _project(user, options["project"])
        try:
            row, token = services.token_create(
                actor=Actor.system("create_api_token"),
                user=user,
                project=project,
                name=options["name"] or "Command line",
                read_only=options["read_only"],
                expires_days=options["expires"],
            )
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError(" ".join(messages)) from None
        expiry = f"expires {row.expires_at:%Y-%m-%d %H:%M} UTC" if row.expires_at else "never expires"
        self.stderr.write(
            f"Token “{row.name}” for {user.username} in {row.project.name} ({row.get_scope_display().lower()}, "
            f"{expiry}). Copy it now: it is not shown again."
        )
        self.stdout.write(token)


def _project(user: User, wanted: str) -> Project:
    projects = Project.objects.filter(memberships__user=user)
    found = None
    try:
        found = projects.filter(public_id=wanted).first()
    except ValidationError:
        found = None
    if found is None:
        matches = list(projects.filter(name__iexact=wanted)[:2])
        if len(matches) > 1:
            raise CommandError(f"{user.username} is in several projects called “{wanted}”: give its id.")
        found = matches[0] if matches else None
    if found is None:
        raise CommandError(f"{user.username} is not a member of a project “{wanted}”.")
    return found
