"""The prober: one run's state (budget, spend, what was seen) and the steps every run takes (see __init__)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from providers.capabilities import COMPLETED, FAILED, IN_PROGRESS, QUEUED, STATUS_WORDS
from videos.sora.client import SoraClient, error_message
from videos.sora.errors import SoraError
from videos.sora.types import RawAnswer, Video

from . import report
from .constants import JSON_ENCODING, POISON_FORM, POISON_JSON, PROMPT, ProbeError
from .jobs import Jobs
from .planning import ProbePlan, registry_models
from .reading import Outcome, envelope_kind, named_fields
from .values import Strategy, ValueChecks

if TYPE_CHECKING:
    from providers.models import Provider


@dataclass
class Measure:
    """One capability: True / False measured, None untested, and what was seen."""

    value: bool | None = None
    detail: str = ""

    def set(self, value: bool | None, detail: str = "") -> None:
        self.value, self.detail = value, detail


@dataclass
class ModelFacts:
    accepted: Measure = field(default_factory=Measure)
    sizes: dict[str, bool | None] = field(default_factory=dict)
    seconds: dict[str, bool | None] = field(default_factory=dict)
    how: dict[str, str] = field(default_factory=dict)  # size/seconds/model -> how it was checked


@dataclass
class ProbeResult:
    profile: dict
    rows: list[report.Row]
    measured_at: Any  # an aware datetime

    @property
    def table(self) -> str:
        return report.render(self.rows)


class Prober(ValueChecks, Jobs):
    """One probe run: what it may still create and spend, and everything it has seen so far."""

    def __init__(self, provider, the_plan: ProbePlan, *, allow_spend, on_progress, poll_interval, follow_timeout,
                 max_seconds, client) -> None:  # fmt: skip
        self.provider = provider
        self.plan = the_plan
        self.allow_spend = allow_spend
        self.progress = on_progress
        self.poll_interval = max(0.05, float(poll_interval))
        self.follow_timeout = float(follow_timeout)
        self.deadline = time.monotonic() + float(max_seconds)
        self.client = client or client_for(provider)
        self.models = registry_models(provider)
        self.prices = {spec.name: spec for spec in self.models}
        # Measurements
        self.routes = {name: Measure() for name in report.ROUTE_ORDER}
        self.variants = {name: Measure() for name in ("video", "thumbnail", "spritesheet")}
        self.model_facts = {spec.name: ModelFacts() for spec in self.models}
        self.words: dict[str, str] = {}
        self.ids: list[str] = []
        self.envelopes: dict[str, str] = {}
        self.headers = {"openai-poll-after-ms": Measure(), "x-request-id": Measure(), "retry-after": Measure()}
        self.request_id_names: set[str] = set()
        self.pending_answers = 0
        self.failed_answer = Measure()
        self.deleted_answer = Measure()
        self.remix_source = Measure()
        self.notes: list[str] = []
        # Budget and cost
        self.created = 0
        self.spent = Decimal("0.00")
        self.created_seconds = 0
        self.characters = 0
        self.unpriced = 0
        self.jobs: list[str] = []  # every job id created, to follow and delete
        self.finished: dict[str, Video] = {}
        self.job_a: Video | None = None
        self.mp4: bytes | None = None  # the finished video, for a character
        self.gateway: str | None = None  # a gateway the answers name (LiteLLM)
        self.json_body_read: bool | None = None  # False: the server reads no JSON body on create
        self.strategies: dict[str, Strategy] = {}  # model/size/seconds -> how its values are checked
        self.poison_off = False  # a check created a job or failed oddly: no more checks with a prompt
        self.calls_before = self.client.calls

    # -- budget ----------------------------------------------------------------------------------------------------
    def may_create(self, cost: Decimal | None) -> bool:
        if self.created >= self.plan.create_budget:
            return False
        return cost is None or self.spent + cost <= self.allow_spend

    def count_job(self, video: Video | None, *, seconds: str | None = None, model: str | None = None,
                  size: str | None = None) -> None:  # fmt: skip
        self.created += 1
        model = model or (video.model if video else "") or ""
        size = size or (video.size if video else "") or ""
        seconds = seconds or (video.seconds if video else "") or "0"
        try:
            whole = int(float(seconds))
        except ValueError:
            whole = 0
        self.created_seconds += whole
        spec = self.prices.get(model)
        price = (spec.prices or {}).get(size) if spec else None
        if price is None:
            self.unpriced += 1
        else:
            self.spent += (Decimal(str(price)) * whole).quantize(Decimal("0.01"))
        if video is not None and video.id not in self.jobs:
            self.jobs.append(video.id)
            self.ids.append(video.id)

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline

    # -- transport -------------------------------------------------------------------------------------------------
    def call(self, method: str, path: str, **kwargs) -> RawAnswer:
        answer = self.client.call(method, path, **kwargs)
        self.look_at_headers(answer)
        return answer

    def look_at_headers(self, answer: RawAnswer) -> None:
        names = set(answer.headers)
        if "x-litellm-version" in names and self.gateway is None:
            self.gateway = f"LiteLLM {answer.headers['x-litellm-version']}"
            self.notes.append(f"The server is a {self.gateway} proxy (x-litellm-version).")
        self.request_id_names |= {name for name in names if name.endswith("request-id")}
        if "x-request-id" in names:
            self.headers["x-request-id"].set(True, "sent")
        if names & {"retry-after", "retry-after-ms"}:
            self.headers["retry-after"].set(True, "sent with a " + str(answer.status))

    def look_at_video(self, video: Video, *, poll_after: int | None = None) -> None:
        """Note the job's status word (and what it means), and whether a pending job came with a poll hint."""
        meaning = self.meaning(video)
        self.words.setdefault(video.status, meaning)
        if meaning in (QUEUED, IN_PROGRESS):
            self.pending_answers += 1
            if poll_after is not None:
                self.headers["openai-poll-after-ms"].set(True, f"{poll_after} ms")

    def meaning(self, video: Video) -> str:
        """queued / in_progress / completed / failed: from the word when it is a known one, else from the job."""
        known = STATUS_WORDS.get(video.status.strip().lower())
        if known:
            return known
        if video.looks_failed:
            return FAILED
        if video.completed_at or video.progress >= 100:
            return COMPLETED
        return IN_PROGRESS if video.progress > 0 else QUEUED

    def create_like(self, encoding: str, *, prompt: bool, poison: bool = False, path: str = "/videos",
                    **fields: str | None) -> Outcome:  # fmt: skip
        values = {"prompt": PROMPT if prompt else None, **fields}
        values = {name: value for name, value in values.items() if value is not None}
        if encoding == JSON_ENCODING:
            body: dict[str, Any] = dict(values)
            if poison:
                body["input_reference"] = POISON_JSON
            answer = self.call("POST", path, json_body=body)
        else:
            parts = {name: (None, str(value).encode(), "text/plain") for name, value in values.items()}
            if poison:
                parts["input_reference"] = (None, POISON_FORM.encode(), "text/plain")
            answer = self.call("POST", path, files=parts)
        video = None
        if answer.ok:
            try:
                video = Video.from_json(answer.json())
            except (ValueError, TypeError, KeyError):
                video = None
            return Outcome(answer, video=video)
        self.envelopes.setdefault("create", envelope_kind(answer))
        return Outcome(answer, names=named_fields(answer))

    # -- the run ---------------------------------------------------------------------------------------------------
    def run(self) -> None:
        self.progress(f"Probing {self.provider.name} at {self.client.base_url}")
        self.reachability()
        self.check_values()
        self.make_jobs()
        self.delete_jobs()

    def reachability(self) -> None:
        self.progress("Checking that the server speaks /v1/videos (list, and a create without a prompt)")
        try:
            listed = self.call("GET", "/videos", params={"limit": 1})
            combo = self.plan.combo
            bare = self.create_like(JSON_ENCODING, prompt=False, model=combo.model if combo else None)
        except SoraError as exc:
            raise ProbeError(f"Cannot reach {self.client.base_url}: {exc.message}") from None
        for answer in (listed, bare.answer):
            if answer.status in (401, 403):
                raise ProbeError(f"{self.client.base_url} refused the key ({answer.status}): {error_message(answer)}")
        kinds = {envelope_kind(answer) for answer in (listed, bare.answer)}
        readable = [answer for answer in (listed, bare.answer) if answer.json() is not None]
        if not readable:
            what = "HTML" if "html" in kinds else "something that is not JSON"
            raise ProbeError(
                f"{self.client.base_url} answers {what} (status {listed.status}), not the /v1/videos API: is the base "
                "URL right? It usually ends in /v1."
            )
        if listed.status == 404 and bare.answer.status in (404, 405):
            raise ProbeError(
                f"Neither GET nor POST /videos is served at {self.client.base_url} ({listed.status}, "
                f"{bare.answer.status}): is the base URL right? It usually ends in /v1."
            )
        if bare.created:
            self.notes.append("A create without a prompt made a job.")
            self.count_job(bare.video)
        # The list route, measured here (it needs no job).
        body = listed.json()
        if listed.ok and isinstance(body, dict) and isinstance(body.get("data"), list):
            self.routes["list"].set(True, "a list object")
        elif listed.status in (429,) or listed.status >= 500:
            self.routes["list"].set(None, f"answered {listed.status}")
        else:
            self.routes["list"].set(False, self.describe_error(listed))
            self.envelopes.setdefault("list", envelope_kind(listed))

    def describe_error(self, answer: RawAnswer) -> str:
        """An error answer in a line: its status and what it says."""
        if answer.ok:
            return f"{answer.status}"
        message = error_message(answer, 160)
        return message if message.startswith(str(answer.status)) else f"{answer.status} {message}"

    # -- sizes, durations, models ----------------------------------------------------------------------------------
    @staticmethod
    def short(video_id: str) -> str:
        return video_id if len(video_id) <= 24 else f"{video_id[:16]}…{video_id[-6:]}"

    def result(self) -> ProbeResult:
        measured_at = timezone.now()
        if self.pending_answers and self.headers["openai-poll-after-ms"].value is None:
            self.headers["openai-poll-after-ms"].set(False, "never sent while a job was pending")
        if self.request_id_names or self.headers["x-request-id"].value is None:
            if "x-request-id" not in self.request_id_names:
                others = sorted(self.request_id_names - {"x-request-id"})
                self.headers["x-request-id"].set(False, f"not sent{'; sent: ' + ', '.join(others) if others else ''}")
        calls = self.client.calls - self.calls_before
        facts = report.Facts(
            provider=self.provider.name,
            base_url=self.client.base_url,
            measured_at=measured_at,
            create_budget=self.plan.create_budget,
            allow_spend=self.allow_spend,
            routes=self.routes,
            variants=self.variants,
            models=self.model_facts,
            status_words=self.words,
            ids=self.ids,
            envelopes=self.envelopes,
            headers=self.headers,
            failed_answer=self.failed_answer,
            deleted_answer=self.deleted_answer,
            remix_source=self.remix_source,
            calls=calls,
            created=self.created,
            jobs=len(self.jobs),
            characters=self.characters,
            seconds=self.created_seconds,
            spent=self.spent,
            unpriced=self.unpriced,
            notes=self.notes,
        )
        return ProbeResult(profile=report.profile(facts), rows=report.rows(facts), measured_at=measured_at)


def client_for(provider: Provider) -> SoraClient:
    from providers.clients import api_key_for
    from providers.urls_check import check_base_url

    if not provider.is_simulator:
        problem = check_base_url(provider.effective_base_url)
        if problem:
            raise ProbeError(problem)
    try:
        key = api_key_for(provider)
        return SoraClient(
            api_key=key,
            base_url=provider.effective_base_url,
            timeout=(settings.SORA_TIMEOUT_CONNECT, settings.SORA_TIMEOUT_READ),
            max_retries=0,
        )
    except SoraError as exc:
        raise ProbeError(exc.message) from None
    except ValueError as exc:
        raise ProbeError(f"The provider {provider.name} is misconfigured: {exc}") from None
