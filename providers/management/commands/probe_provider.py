"""``manage.py probe_provider NAME [--budget N] [--allow-spend USD] [--no-create] [--yes]``: the same as
``manage.py provider probe NAME ...`` (see providers/management/commands/provider.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from providers.management.commands.provider import Command as ProviderCommand
from providers.management.commands.provider import add_probe_arguments


class Command(BaseCommand):
    help = "Measure what a provider does with /v1/videos (asks before creating anything)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_probe_arguments(parser)

    def handle(self, *args, **options) -> None:
        command = ProviderCommand(stdout=self.stdout._out, stderr=self.stderr._out, no_color=True)
        command.probe(options)
