"""Providers: the servers that run the studio's jobs, and the models each one offers.

A provider is a base URL that speaks (some of) the `/v1/videos` contract, plus the *name* of the environment
variable that holds its key (the key itself is never stored). The built-in simulator is one provider. Each model
in the registry belongs to one provider; a video records the provider that runs it.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q


class Provider(models.Model):
    class Kind(models.TextChoices):
        SIMULATOR = "simulator", "Built-in simulator"
        REMOTE = "remote", "Server speaking /v1/videos"

    SIMULATOR_SLUG = "simulator"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=40, unique=True, help_text="Short name used in URLs and commands.")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REMOTE)
    base_url = models.URLField(
        max_length=500, blank=True, help_text="e.g. https://gateway.example/v1; empty for the built-in simulator."
    )
    api_key_env = models.CharField(
        max_length=64, blank=True,
        help_text="Name of the environment variable holding this server's API key (the key itself is never stored).",
    )  # fmt: skip
    webhook_secret_env = models.CharField(
        max_length=64, blank=True,
        help_text="Name of the environment variable holding the whsec_ secret of this server's webhooks, if any.",
    )  # fmt: skip
    max_in_flight = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Jobs running on this server at once. Empty: SORA_MAX_IN_FLIGHT."
    )
    # The capability profile the conformance probe measured (see providers/capabilities.py); {} = not measured.
    profile = models.JSONField(default=dict, blank=True)
    probed_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    # The circuit (providers/circuit.py): after several failures in a row (no connection, TLS, 5xx) the provider's
    # jobs wait until `circuit_open_until` instead of failing; `last_error` says why, on the video page too.
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    circuit_open_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=300, blank=True, editable=False)
    # A provider that answers "too many jobs in progress" (429) gets a lower cap of its own for a while: the studio
    # starts no more than it then had running, until `throttled_until` (renewed by each further 429).
    throttled_cap = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    throttled_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["simulator", "remote"]), name="providers_provider_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="simulator") | ~Q(base_url=""), name="providers_provider_remote_has_base_url"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_simulator(self) -> bool:
        return self.kind == self.Kind.SIMULATOR

    @property
    def effective_base_url(self) -> str:
        if self.is_simulator:
            return settings.SIMULATOR_BASE_URL or f"{settings.SITE_URL}/sim/v1"
        return self.base_url.rstrip("/")

    @property
    def in_flight_cap(self) -> int:
        return self.max_in_flight or settings.SORA_MAX_IN_FLIGHT

    def effective_cap(self, now=None) -> int:
        """The cap the dispatcher uses now: the configured one, or lower while the provider says it is full."""
        from django.utils import timezone

        if self.throttled_cap is not None and self.throttled_until and self.throttled_until > (now or timezone.now()):
            return min(self.in_flight_cap, self.throttled_cap)
        return self.in_flight_cap

    def circuit_open(self, now=None) -> bool:
        from django.utils import timezone

        return self.circuit_open_until is not None and self.circuit_open_until > (now or timezone.now())

    @property
    def capabilities(self):
        from providers.capabilities import Capabilities

        return Capabilities.for_provider(self)


class ProviderModel(models.Model):
    """The model registry: what the studio offers, at what price, and which provider serves it."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="models")
    name = models.CharField(max_length=200, help_text="The model id sent upstream, e.g. sora-2.")
    label = models.CharField(max_length=100, blank=True)
    # USD per second of video, by size: {"720x1280": "0.10", ...}. Its keys are the sizes the model allows.
    prices = models.JSONField(help_text='USD per second by size, e.g. {"720x1280": "0.10", "1280x720": "0.10"}')
    seconds = models.JSONField(default=list, help_text='Allowed durations, e.g. ["4", "8", "12"]')
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider__sort_order", "sort_order", "name"]
        verbose_name = "model"
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="providers_providermodel_one_name_per_provider"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def sizes(self) -> list[str]:
        return list(self.prices)

    @property
    def offered_sizes(self) -> list[str]:
        """The registry's sizes, less those the provider's probe saw this model refuse."""
        capabilities = self.provider.capabilities
        return [size for size in self.sizes if capabilities.accepts(self.name, size=size)]

    @property
    def offered_seconds(self) -> list[str]:
        capabilities = self.provider.capabilities
        return [str(s) for s in self.seconds if capabilities.accepts(self.name, seconds=s)]

    @property
    def display_label(self) -> str:
        return self.label or self.name

    def price_per_second(self, size: str) -> Decimal:
        return Decimal(str(self.prices[size]))

    def cost(self, size: str, seconds: int) -> Decimal:
        return self.price_per_second(size) * int(seconds)


class ProbeRun(models.Model):
    """One run of the conformance probe on a provider (providers/probe/), asked for in the admin and run as a task.

    Its progress lines and, once done, its table are kept so the admin's page can show them while it runs and after.
    The capability profile itself goes on the provider (``Provider.profile``).
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    ACTIVE = (State.QUEUED, State.RUNNING)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="probe_runs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Named state, not status: a video job's status has one writer (videos/lifecycle.py), checked by name.
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    create_budget = models.PositiveSmallIntegerField(default=3)
    allow_spend = models.DecimalField(max_digits=10, decimal_places=2)
    # [[ISO time, message], ...] in the order the probe said them.
    progress = models.JSONField(default=list, blank=True)
    # The probe's table once done: [[capability, mark, detail], ...].
    table = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["queued", "running", "done", "failed"]), name="providers_proberun_state_valid"
            ),
            models.CheckConstraint(condition=Q(allow_spend__gte=0), name="providers_proberun_spend_not_negative"),
            # One probe at a time per provider (two would share its jobs, its budget and its rate limits).
            models.UniqueConstraint(
                fields=["provider"], condition=Q(state__in=["queued", "running"]),
                name="providers_proberun_one_active_per_provider",
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        return f"Probe {self.public_id} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE
