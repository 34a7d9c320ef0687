from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.actors import Actor
from accounts.models import User
from transfer import services
from transfer.progress import bar


class Command(BaseCommand):
    help = (
        "Import a project exported by a studio (export_project, or the project page's Export) into a new project "
        "here: files checked against their checksums, lineage rebuilt, new ids, no call to any provider. "
        "Everything or nothing is created."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the zip to import")
        parser.add_argument(
            "--owner",
            help="the user here who owns the new project and its videos (default: the exported project's first "
            "owner, if a user here has that name)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def _owner(self, name: str | None, manifest: dict) -> User:
        if name:
            user = User.objects.filter(username=name, is_active=True).first()
            if user is None:
                raise CommandError(f"No active user here is called “{name}”.")
            return user
        for candidate in manifest["project"].get("owners") or []:
            if not isinstance(candidate, str):
                continue
            user = User.objects.filter(username=candidate, is_active=True).first()
            if user is not None:
                return user
        raise CommandError("None of the exported project's owners has an account here: name one with --owner USER.")

    def handle(self, *args, file: str, owner: str | None, no_progress: bool, **options) -> None:
        try:
            with services.open_archive(file) as archive:
                manifest = services.check_archive(archive)
        except services.ImportRefused as exc:
            raise CommandError(f"Refused: {exc} Nothing was imported.") from None
        user = self._owner(owner, manifest)
        progress = bar(services.manifest_total_bytes(manifest), "Importing", file=self.stderr._out, disable=no_progress)
        try:
            done = services.project_import(actor=Actor.of_user(user, "import_project"), owner=user, archive=file,
                                           progress=progress.update)  # fmt: skip
        except ValidationError as exc:
            raise CommandError(f"Refused: {' '.join(exc.messages)} Nothing was imported.") from None
        finally:
            progress.close()
        created = (f" Created switched-off provider(s) for {', '.join(done.providers_created)}: the videos keep "
                   "their provider's name; nothing is ever sent there." if done.providers_created else "")  # fmt: skip
        self.stdout.write(
            f"Imported “{done.project.name}” for {user.username}: {done.videos} videos, {done.files} files, "
            f"{done.bytes / 1e6:,.1f} MB (project {done.project.public_id}).{created}"
        )
