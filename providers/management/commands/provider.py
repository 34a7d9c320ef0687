"""``manage.py provider``: look at providers and probe them.

    manage.py provider list                       every provider, its base URL and when it was last probed
    manage.py provider show NAME                  the capability table stored by the last probe
    manage.py provider probe NAME [--budget N] [--allow-spend USD] [--no-create] [--yes] [--poll-interval S]
    manage.py provider add SLUG --name NAME --base-url URL [--key-env VAR] [--webhook-secret-env VAR]
                               [--max-in-flight N] [--off]           add or change a provider (a deployment script)
    manage.py provider model SLUG MODEL --sizes 1280x720=0.10,720x1280=0.10 --seconds 4,8 [--label L] [--off]

``probe`` first prints what it may create and spend and asks before anything is created (``--yes`` skips the
question; ``--no-create`` measures only what needs no job, and asks nothing). NAME is a provider's slug or name.
``manage.py probe_provider NAME ...`` is the same as ``manage.py provider probe NAME ...``.
"""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from accounts.actors import Actor
from providers import services
from providers.models import Provider
from providers.probe import ProbeError, plan, render, stored_rows


def provider_named(name: str) -> Provider:
    found = Provider.objects.filter(Q(slug=name) | Q(name=name)).order_by("pk").first()
    if found is None:
        known = ", ".join(Provider.objects.order_by("slug").values_list("slug", flat=True)) or "none"
        raise CommandError(f"No provider called “{name}” (providers: {known}).")
    return found


def add_probe_arguments(parser: CommandParser) -> None:
    parser.add_argument("name", help="the provider's slug or name")
    parser.add_argument("--budget", type=int, default=3, help="most objects created upstream (default 3)")
    parser.add_argument(
        "--allow-spend", dest="allow_spend", default=None,
        help="most USD spent (default: what the plan says, at the registry's prices)",
    )  # fmt: skip
    parser.add_argument("--no-create", action="store_true", help="create nothing; routes that need a job stay untested")
    parser.add_argument("--yes", action="store_true", help="do not ask before creating")
    parser.add_argument(
        "--poll-interval", dest="poll_interval", type=float, default=2.0,
        help="seconds between polls of a job when the server suggests none (default 2)",
    )  # fmt: skip


class Command(BaseCommand):
    help = "List providers, show their measured capabilities, and probe them (see the module docstring)."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True, parser_class=CommandParser)
        commands.add_parser("list", help="every provider")
        show = commands.add_parser("show", help="the capability table of the last probe")
        show.add_argument("name")
        add_probe_arguments(commands.add_parser("probe", help="measure what a provider does"))
        add = commands.add_parser("add", help="add or change a provider")
        add.add_argument("slug")
        add.add_argument("--name", required=True)
        add.add_argument("--base-url", required=True)
        add.add_argument("--key-env", default="", help="the environment variable holding its key (not the key)")
        add.add_argument("--webhook-secret-env", default="")
        add.add_argument("--max-in-flight", type=int, default=None)
        add.add_argument("--off", action="store_true", help="add it switched off")
        model = commands.add_parser("model", help="add or change one of a provider's models")
        model.add_argument("slug")
        model.add_argument("model")
        model.add_argument("--sizes", required=True, help="size=USD per second, comma-separated")
        model.add_argument("--seconds", required=True, help="durations, comma-separated")
        model.add_argument("--label", default="")
        model.add_argument("--off", action="store_true")

    def handle(self, *args, **options) -> None:
        command = options["command"]
        if command == "list":
            self.list()
        elif command == "show":
            self.show(provider_named(options["name"]))
        elif command == "add":
            self.add(options)
        elif command == "model":
            self.model(options)
        else:
            self.probe(options)

    def add(self, options: dict) -> None:
        try:
            provider = services.provider_save(
                actor=Actor.system("manage.py provider add"), slug=options["slug"], name=options["name"],
                base_url=options["base_url"], api_key_env=options["key_env"],
                webhook_secret_env=options["webhook_secret_env"], max_in_flight=options["max_in_flight"],
                is_active=not options["off"],
            )  # fmt: skip
        except ValidationError as exc:
            raise CommandError(f"Nothing saved: {'; '.join(exc.messages)}") from None
        self.stdout.write(f"Saved {provider.slug}: {provider.name} at {provider.base_url}. Probe it: "
                          f"manage.py provider probe {provider.slug}")  # fmt: skip

    def model(self, options: dict) -> None:
        provider = provider_named(options["slug"])
        try:
            prices = dict(item.split("=", 1) for item in options["sizes"].split(",") if item.strip())
        except ValueError:
            raise CommandError("--sizes takes size=price pairs, e.g. 1280x720=0.10,720x1280=0.10") from None
        try:
            saved = services.provider_model_save(
                actor=Actor.system("manage.py provider model"), provider=provider, name=options["model"],
                prices={k.strip(): v.strip() for k, v in prices.items()},
                seconds=[s.strip() for s in options["seconds"].split(",") if s.strip()], label=options["label"],
                is_active=not options["off"],
            )  # fmt: skip
        except ValidationError as exc:
            raise CommandError(f"Nothing saved: {'; '.join(exc.messages)}") from None
        self.stdout.write(f"Saved {saved.name} on {provider.slug}: {', '.join(saved.sizes)}; {', '.join(saved.seconds)} s.")

    def list(self) -> None:
        for provider in Provider.objects.order_by("sort_order", "name"):
            probed = provider.probed_at.isoformat(timespec="seconds") if provider.probed_at else "never probed"
            state = "" if provider.is_active else " (off)"
            self.stdout.write(f"{provider.slug}{state}: {provider.name}, {provider.effective_base_url}, {probed}")

    def show(self, provider: Provider) -> None:
        rows = stored_rows(provider.profile)
        if not rows:
            self.stdout.write(f"{provider.name} has not been probed yet: manage.py provider probe {provider.slug}")
            return
        self.stdout.write(f"{provider.name} ({provider.effective_base_url})")
        self.stdout.write(render(rows))

    def probe(self, options: dict) -> None:
        provider = provider_named(options["name"])
        budget = 0 if options["no_create"] else options["budget"]
        try:
            the_plan = plan(provider, create_budget=budget)
        except ProbeError as exc:
            raise CommandError(exc.message) from None
        spend = the_plan.max_spend
        if options["allow_spend"] is not None:
            try:
                spend = Decimal(str(options["allow_spend"]))
            except InvalidOperation:
                raise CommandError(f"--allow-spend must be a dollar amount, got {options['allow_spend']!r}.") from None
        for line in the_plan.lines():
            self.stdout.write(line)
        if budget:
            self.stdout.write(f"Spend allowed: ${spend}.")
        if budget and not options["yes"] and not self.confirmed():
            raise CommandError("Nothing was created. Answer y, or run again with --yes (or --no-create).")

        def progress(message: str) -> None:
            self.stdout.write(f"  {message}")
            self.stdout.flush()

        try:
            result = services.provider_probe(
                actor=Actor.system("manage.py provider probe"), provider=provider, allow_spend=spend,
                create_budget=budget, on_progress=progress, poll_interval=max(0.05, options["poll_interval"]),
            )  # fmt: skip
        except ProbeError as exc:
            raise CommandError(f"The probe could not measure {provider.name}: {exc.message}") from None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        except PermissionDenied as exc:  # pragma: no cover - the system actor may probe
            raise CommandError(str(exc)) from None
        self.stdout.write("")
        self.stdout.write(result.table)
        self.stdout.write(f"Stored on {provider.name} (probed at {result.measured_at.isoformat(timespec='seconds')}).")

    def confirmed(self) -> bool:
        self.stdout.write("Create and spend this? [y/N] ", ending="")
        self.stdout.flush()
        answer = sys.stdin.readline()
        return answer.strip().lower() in ("y", "yes")
