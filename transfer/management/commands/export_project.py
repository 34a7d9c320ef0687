from __future__ import annotations

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.actors import Actor
from accounts.models import Project
from audit import services as audit
from transfer import exports
from transfer.progress import bar


def find_project(identifier: str) -> Project:
    """A project by its public id, or by its name when exactly one project has it."""
    try:
        project = Project.objects.filter(public_id=identifier).first()
    except ValidationError:
        project = None
    if project is not None:
        return project
    matches = list(Project.objects.filter(name__iexact=identifier.strip())[:2])
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise CommandError(f"Several projects are called “{identifier}”; give its id instead (from its page's URL).")
    raise CommandError(f"No project has the id or name “{identifier}”.")


class Command(BaseCommand):
    help = "Export a project (its archived videos, pictures, references and project.json) as one zip."

    def add_arguments(self, parser) -> None:
        parser.add_argument("project", help="the project's id (from its page's URL) or its name")
        parser.add_argument("-o", "--output", help="the zip to write (default: <project-name>-<date>.zip here)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, project: str, output: str | None, no_progress: bool, **options) -> None:
        found = find_project(project)
        path = output or exports.export_filename(found)
        if os.path.isdir(path):
            raise CommandError(f"{path} is a folder; name the zip to write, e.g. -o {path}/project.zip")
        try:
            plan = exports.export_plan(found)
        except exports.ExportRefused as exc:
            audit.record(actor=Actor.system("export_project"), action="project.export", target=found,
                         outcome=audit.REFUSED, reason=str(exc))  # fmt: skip
            raise CommandError(f"Refused: {exc} Nothing was exported.") from None
        progress = bar(plan.total_bytes, "Exporting", file=self.stderr._out, disable=no_progress)
        partial = f"{path}.partial"
        try:
            with open(partial, "wb") as out:
                for chunk in exports.export_stream(plan, progress=progress.update):
                    out.write(chunk)
            os.replace(partial, path)
        except BaseException:
            if os.path.exists(partial):
                os.remove(partial)
            raise
        finally:
            progress.close()
        audit.record(actor=Actor.system("export_project"), action="project.export", target=found,
                     detail={"videos": len(plan.manifest["videos"]), "files": len(plan.files),
                             "output": path})  # fmt: skip
        self.stdout.write(
            f"Exported “{found.name}”: {len(plan.manifest['videos'])} videos, {len(plan.files)} files, "
            f"{plan.total_bytes / 1e6:,.1f} MB, to {path}."
        )
