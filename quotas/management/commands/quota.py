"""Show and set quota rules, and grant one-off extras, from the command line.

manage.py quota show [--user alice | --project UUID | --site]
manage.py quota set --user alice --period month --max-spend 5 --max-videos 10 --models sora-2 [--max-in-flight 2]
manage.py quota set --site --period day --max-videos none        (none: remove that limit)
manage.py quota grant --user alice --spend 2 [--videos 3] [--seconds 60] [--period month] [--note "launch"]
manage.py quota delete --project UUID --period week
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.actors import Actor
from accounts.models import Project
from audit import services as audit
from quotas import selectors, services
from quotas.models import QuotaRule

PERIODS = QuotaRule.Period.values
UNSET = object()  # an option not given (as opposed to "none": remove that limit)


def _target(parser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--user", help="username (or email)")
    group.add_argument("--project", help="project public id (UUID)")
    group.add_argument("--site", action="store_true", help="the site default (per user, for users without a rule)")


def _limit(kind):
    def parse(value: str):
        if value.lower() in ("none", "off", "-"):
            return None
        try:
            number = kind(value)
        except (ValueError, InvalidOperation):
            raise CommandError(f"“{value}” is not a number (or “none” to remove the limit).") from None
        if isinstance(number, Decimal) and not number.is_finite():
            raise CommandError(f"“{value}” is not a number (or “none” to remove the limit).")
        return number

    return parse


class Command(BaseCommand):
    help = "Show and set quota rules (user, project, site default) and grant one-off extra allowance."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{show,set,grant,delete}")
        show = sub.add_parser("show", help="rules and what is used this period")
        _target(show)
        put = sub.add_parser("set", help="create or update the rule for one target and period")
        _target(put)
        put.add_argument("--period", choices=PERIODS, default="month")
        put.add_argument("--max-videos", type=_limit(int), default=UNSET)
        put.add_argument("--max-seconds", type=_limit(int), default=UNSET)
        put.add_argument("--max-spend", type=_limit(Decimal), default=UNSET, help="USD")
        put.add_argument("--max-in-flight", type=_limit(int), default=UNSET)
        put.add_argument("--models", nargs="*", help="allowed model names (comma or space separated); none: all")
        put.add_argument("--note")
        give = sub.add_parser("grant", help="extra allowance for the current period, on the target's rules")
        _target(give)
        give.add_argument("--for-user", help="with --site: the user the extra is for")
        give.add_argument("--period", choices=PERIODS, help="only the rule for this period")
        give.add_argument("--videos", type=int, default=0)
        give.add_argument("--seconds", type=int, default=0)
        give.add_argument("--spend", type=_limit(Decimal), default=Decimal(0), help="USD")
        give.add_argument("--note", default="")
        delete = sub.add_parser("delete", help="remove the rule for one target and period")
        _target(delete)
        delete.add_argument("--period", choices=PERIODS, required=True)

    # -----------------------------------------------------------------------------------------------------------
    def _user(self, name: str):
        User = get_user_model()
        user = User.objects.filter(username=name).first() or User.objects.filter(email__iexact=name).first()
        if user is None:
            raise CommandError(f"No user “{name}”.")
        return user

    def _scope(self, options, required: bool = True) -> dict | None:
        if options.get("user"):
            return {"user": self._user(options["user"]), "project": None}
        if options.get("project"):
            try:
                public_id = uuid.UUID(options["project"])
            except ValueError:
                raise CommandError(f"“{options['project']}” is not a project id (a UUID).") from None
            project = Project.objects.filter(public_id=public_id).first()
            if project is None:
                raise CommandError(f"No project with id {public_id}.")
            return {"user": None, "project": project}
        if options.get("site"):
            return {"user": None, "project": None}
        if required:
            raise CommandError("Say whose rule: --user NAME, --project UUID or --site.")
        return None

    def _rules(self, scope: dict):
        if scope["user"] is not None:
            return QuotaRule.objects.filter(user=scope["user"])
        if scope["project"] is not None:
            return QuotaRule.objects.filter(project=scope["project"])
        return QuotaRule.objects.filter(user__isnull=True, project__isnull=True)

    def handle(self, *args, **options) -> None:
        try:
            getattr(self, f"do_{options['action']}")(options)
        except ValidationError as exc:
            lines = (
                [f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items()]
                if hasattr(exc, "error_dict")
                else exc.messages
            )
            raise CommandError("Nothing saved. " + " ".join(lines)) from None

    # -----------------------------------------------------------------------------------------------------------
    def _describe(self, rule: QuotaRule) -> str:
        limits = []
        if rule.max_videos is not None:
            limits.append(f"{rule.max_videos} videos")
        if rule.max_seconds is not None:
            limits.append(f"{rule.max_seconds:,} s")
        if rule.max_spend is not None:
            limits.append(services.money(rule.max_spend))
        if rule.max_in_flight is not None:
            limits.append(f"{rule.max_in_flight} in flight")
        limits.append("models: " + (", ".join(rule.allowed_models) or "all"))
        return f"{rule.scope_label}, per {rule.period}: {'; '.join(limits)}" + (f"  ({rule.note})" if rule.note else "")

    def do_show(self, options) -> None:
        scope = self._scope(options, required=False)
        rules = (self._rules(scope) if scope else QuotaRule.objects.all()).select_related("user", "project")
        if not rules:
            self.stdout.write("No quota rules" + (" for that." if scope else ": nothing is limited."))
            if scope and scope["user"] is not None:
                defaults = QuotaRule.objects.filter(user__isnull=True, project__isnull=True)
                for rule in defaults:
                    self.stdout.write(f"  site default applies: {self._describe(rule)}")
                    for lim in selectors.usage_for(rule, scope["user"]):
                        self.stdout.write(f"    {lim}")
            return
        for rule in rules:
            self.stdout.write(self._describe(rule))
            if rule.user_id is None and rule.project_id is None:
                self.stdout.write("    (counted per user: show --user NAME for one user's usage)")
                continue
            for lim in selectors.usage_for(rule, rule.user):
                self.stdout.write(f"    {lim}")

    @transaction.atomic
    def do_set(self, options) -> None:
        scope = self._scope(options)
        rule = self._rules(scope).filter(period=options["period"]).first() or QuotaRule(
            period=options["period"], **scope
        )
        for name in ("max_videos", "max_seconds", "max_spend", "max_in_flight"):
            if options.get(name, UNSET) is not UNSET:
                setattr(rule, name, options[name])
        if options.get("models") is not None:
            rule.allowed_models = [m for part in options["models"] for m in part.split(",") if m.strip()]
            rule.allowed_models = [m.strip() for m in rule.allowed_models if m.strip().lower() != "all"]
        if options.get("note") is not None:
            rule.note = options["note"]
        created = rule.pk is None
        rule.full_clean()
        rule.save()
        audit.record(actor=Actor.system("manage.py quota"), action="quota.rule.add" if created else "quota.rule.change",
                     target=rule)  # fmt: skip
        self.stdout.write(self.style.SUCCESS(("Created " if created else "Updated ") + self._describe(rule)))

    def do_grant(self, options) -> None:
        scope = self._scope(options)
        rules = self._rules(scope)
        subject = scope["user"]
        if options.get("site"):
            if not options.get("for_user"):
                raise CommandError("A grant on the site default is for one user: add --for-user NAME.")
            subject = self._user(options["for_user"])
        elif scope["user"] is not None and not rules.exists():
            rules = QuotaRule.objects.filter(user__isnull=True, project__isnull=True)  # the defaults apply to them
        if options.get("period"):
            rules = rules.filter(period=options["period"])
        rules = list(rules)
        if not rules:
            raise CommandError("No rule applies there, so there is nothing to add to: set a rule first.")
        spend = options["spend"] or Decimal(0)
        if options["videos"] < 0 or options["seconds"] < 0 or spend < 0:
            raise CommandError("Nothing saved. A grant adds allowance: use numbers of 0 or more.")
        with transaction.atomic():
            for rule in rules:
                services.grant(
                    rule=rule, user=subject, videos=options["videos"], seconds=options["seconds"], spend=spend,
                    note=options["note"], actor=Actor.system("manage.py quota"),
                )  # fmt: skip
                self.stdout.write(self.style.SUCCESS(f"Granted on {rule}:"))
                for lim in selectors.usage_for(rule, subject):
                    self.stdout.write(f"    {lim}")

    @transaction.atomic
    def do_delete(self, options) -> None:
        scope = self._scope(options)
        rules = list(self._rules(scope).filter(period=options["period"]))
        for rule in rules:
            audit.record(actor=Actor.system("manage.py quota"), action="quota.rule.delete", target=rule)
        deleted, _ = self._rules(scope).filter(period=options["period"]).delete()
        if not deleted:
            raise CommandError("No such rule.")
        self.stdout.write(self.style.SUCCESS("Deleted."))
