"""The real objects the probe creates, followed, downloaded and deleted (see __init__)."""

from __future__ import annotations

import time
from decimal import Decimal

from providers.capabilities import COMPLETED, FAILED
from videos.sora.errors import SoraError
from videos.sora.types import RawAnswer, Video

from .constants import (
    DOWNLOAD_SECONDS,
    FORM_ENCODING,
    JOB_LABELS,
    JSON_ENCODING,
    KEEP_VIDEO_BYTES,
    PROMPT,
    REMIX_PROMPT,
    UNKNOWN_ID,
)
from .planning import Combo, cheapest
from .reading import (
    EXPECTED_TYPE,
    IMAGE_TYPES,
    Outcome,
    Sniffer,
    envelope_kind,
    png,
    seg,
    sniff,
)


class Jobs:
    """The part of the prober that creates and follows real jobs (mixed into ``Prober``)."""

    # -- real jobs -------------------------------------------------------------------------------------------------
    def make_jobs(self) -> None:
        combo = cheapest(self.models, self.refused_value) if self.models else None
        if combo is None or self.plan.create_budget == 0:
            if self.plan.create_budget == 0:
                self.notes.append("Nothing created (budget 0): routes that need a job are untested.")
            return

        def announce(kind: str) -> None:
            self.progress(f"Creating object {self.created + 1} of at most {self.plan.create_budget}: "
                          f"{JOB_LABELS[kind]} ({combo.model}, {combo.size}, {combo.seconds} s)")  # fmt: skip

        if self.job_a is None and self.may_create(combo.cost):
            announce("create")
            combo = self.first_create(combo) or combo
        elif self.job_a is None:
            self.notes.append("No create: the budget or the spend allowed does not cover one.")
        if self.job_a is not None:
            final = self.follow(self.job_a.id)
            if final is not None and self.meaning(final) == COMPLETED:
                self.check_content(final)
        source = self.finished.get(self.job_a.id) if self.job_a else None
        completed = source is not None and self.meaning(source) == COMPLETED
        for kind in ("remix", "multipart", "edits", "extensions", "characters"):
            if self.out_of_time():
                self.notes.append("Stopped: the probe ran out of time.")
                break
            if kind == "multipart":
                if self.may_create(combo.cost):
                    announce(kind)
                    self.multipart_create(combo)
                continue
            route = self.routes[kind]
            if not completed:
                route.set(None, "no finished job to work from")
                continue
            if kind == "characters" and self.gateway and self.gateway.startswith("LiteLLM"):
                # Measured: LiteLLM 1.110 sends a character request (it names no model) to its default
                # https://api.openai.com/v1, not to the configured upstream: never make it call there.
                route.set(None, "not tried: LiteLLM sends it to api.openai.com, not to its configured upstream")
                continue
            if not self.route_answers(kind, source.id):
                continue
            cost = Decimal("0.00") if kind == "characters" else combo.cost
            if not self.may_create(cost):
                route.set(None, route.detail or "answers; not tried: budget or spend used up")
                continue
            announce(kind)
            getattr(self, f"try_{kind}")(source, combo)

    def first_create(self, combo: Combo) -> Combo | None:
        """The first job: JSON, or multipart without an image when the server reads no JSON body. A refusal that
        names the model, the size or the seconds marks that value refused, and the next cheapest combination is
        tried (three creates at most, each within the budget). Returns the combination that made the job."""
        for _ in range(3):
            encoding = FORM_ENCODING if self.json_body_read is False else JSON_ENCODING
            if encoding == FORM_ENCODING and self.routes["create_json"].value is None:
                self.routes["create_json"].set(
                    False, "the server reads no JSON body (it asks for a prompt that was sent)"
                )
            fields = {"model": combo.model, "size": combo.size, "seconds": combo.seconds}
            outcome = self.create_like(encoding, prompt=True, **fields)
            route = self.routes["create_json" if encoding == JSON_ENCODING else "create_multipart"]
            if outcome.created:
                self.count_job(outcome.video, **fields)
                if outcome.video is None:
                    route.set(False, "answered 2xx without a video object")
                    return None
                self.job_a = outcome.video
                self.look_at_created(outcome)
                if encoding == JSON_ENCODING:
                    route.set(True, f"job {self.short(outcome.video.id)}")
                    self.json_body_read = True
                else:
                    self.notes.append("Created with multipart form data (no image): the server reads no JSON create.")
                return combo
            if outcome.answer.status >= 500:
                self.created += 1  # it may have made a job
                self.notes.append(f"A create answered {outcome.answer.status}: it may have made a job (counted).")
                return None
            if encoding == JSON_ENCODING and "prompt" in outcome.names:
                self.json_body_read = False
                continue
            blamed = outcome.names & {"model", "size", "seconds"}
            if not blamed:
                if encoding == JSON_ENCODING:
                    route.set(False, self.describe_error(outcome.answer))
                else:
                    self.notes.append(f"A multipart create without an image was refused: "
                                      f"{self.describe_error(outcome.answer)}")  # fmt: skip
                return None
            self.mark_refused(combo, blamed, self.describe_error(outcome.answer))
            combo = cheapest(self.models, self.refused_value)
            if combo is None or not self.may_create(combo.cost):
                return None
            self.progress(
                f"Refused ({', '.join(sorted(blamed))}); trying {combo.model}, {combo.size}, {combo.seconds} s"
            )
        return None

    def mark_refused(self, combo: Combo, blamed: set[str], why: str) -> None:
        facts = self.model_facts.get(combo.model)
        if facts is None:
            return
        if "model" in blamed:
            facts.accepted.set(False, f"a create was refused: {why}")
            # A model the server refuses takes no size or duration, whatever a check without it said.
            facts.sizes, facts.seconds = dict.fromkeys(facts.sizes), dict.fromkeys(facts.seconds)
            facts.how = {"size": "the model is refused", "seconds": "the model is refused"}
        if "size" in blamed:
            facts.sizes[combo.size] = False
        if "seconds" in blamed:
            facts.seconds[combo.seconds] = False

    def look_at_created(self, outcome: Outcome) -> None:
        answer = outcome.answer
        poll_after = answer.headers.get("openai-poll-after-ms")
        self.look_at_video(outcome.video, poll_after=int(poll_after) if poll_after and poll_after.isdigit() else None)

    def multipart_create(self, combo: Combo) -> None:
        fields = {"prompt": PROMPT, "model": combo.model, "size": combo.size, "seconds": combo.seconds}
        parts = {name: (None, value.encode(), "text/plain") for name, value in fields.items()}
        parts["input_reference"] = ("probe.png", png(combo.size), "image/png")
        answer = self.call("POST", "/videos", files=parts)
        route = self.routes["create_multipart"]
        if not answer.ok:
            route.set(False, self.describe_error(answer))
            if answer.status >= 500:
                self.created += 1
            return
        try:
            video = Video.from_json(answer.json())
        except (ValueError, TypeError, KeyError):
            self.count_job(None, model=combo.model, size=combo.size, seconds=combo.seconds)
            route.set(False, "answered 2xx without a video object")
            return
        self.count_job(video, model=combo.model, size=combo.size, seconds=combo.seconds)
        self.look_at_created(Outcome(answer, video=video))
        route.set(True, f"job {self.short(video.id)}")
        self.follow(video.id)

    def route_answers(self, kind: str, source_id: str) -> bool:
        """An empty request to the route: 404/405 means the route is missing (✖, nothing spent)."""
        path = {"remix": f"/videos/{seg(source_id)}/remix", "edits": "/videos/edits",
                "extensions": "/videos/extensions", "characters": "/videos/characters"}[kind]  # fmt: skip
        answer = self.call("POST", path, json_body={})
        if answer.status in (404, 405):
            self.routes[kind].set(False, self.describe_error(answer))
            self.envelopes.setdefault("missing route", envelope_kind(answer))
            return False
        if answer.ok:
            self.notes.append(f"An empty {kind} request was answered {answer.status}.")
            self.count_job(None)
        return True

    def created_job(self, kind: str, answer: RawAnswer, combo: Combo, *, seconds: str | None = None) -> Video | None:
        route = self.routes[kind]
        if not answer.ok:
            route.set(False, self.describe_error(answer))
            if answer.status >= 500:
                self.created += 1
            return None
        try:
            video = Video.from_json(answer.json())
        except (ValueError, TypeError, KeyError):
            self.count_job(None, model=combo.model, size=combo.size, seconds=seconds or combo.seconds)
            route.set(False, "answered 2xx without a video object")
            return None
        self.count_job(video, model=combo.model, size=combo.size, seconds=seconds or combo.seconds)
        self.look_at_created(Outcome(answer, video=video))
        route.set(True, f"job {self.short(video.id)}")
        return video

    def try_remix(self, source: Video, combo: Combo) -> None:
        answer = self.call("POST", f"/videos/{seg(source.id)}/remix", json_body={"prompt": REMIX_PROMPT})
        video = self.created_job("remix", answer, combo)
        if video is None:
            return
        final = self.follow(video.id) or video
        found = final.remixed_from_video_id or video.remixed_from_video_id
        if found == source.id:
            self.remix_source.set(True, "the source's id as this server gave it")
        elif found:
            self.remix_source.set(
                False, f"another id ({self.short(found)}, {len(found)} characters): the upstream's own"
            )
        else:
            self.remix_source.set(None, "not given")

    def try_edits(self, source: Video, combo: Combo) -> None:
        answer = self.call("POST", "/videos/edits", json_body={"prompt": REMIX_PROMPT, "video": {"id": source.id}})
        video = self.created_job("edits", answer, combo)
        if video is not None:
            self.follow(video.id)

    def try_extensions(self, source: Video, combo: Combo) -> None:
        body = {"prompt": REMIX_PROMPT, "video": {"id": source.id}, "seconds": combo.seconds}
        answer = self.call("POST", "/videos/extensions", json_body=body)
        video = self.created_job("extensions", answer, combo, seconds=combo.seconds)
        if video is not None:
            self.follow(video.id)

    def try_characters(self, source: Video, combo: Combo) -> None:
        """The contract's multipart form (name + the MP4 as a file); a JSON ``{"id"}`` reference when the file is
        not at hand or the multipart form is refused."""
        answer = None
        if self.mp4 is not None:
            parts = {"name": (None, b"Studio probe", "text/plain"), "video": ("probe.mp4", self.mp4, "video/mp4")}
            answer = self.call("POST", "/videos/characters", files=parts)
        if answer is None or (not answer.ok and answer.status not in (404, 405) and answer.status < 500):
            answer = self.call(
                "POST", "/videos/characters", json_body={"name": "Studio probe", "video": {"id": source.id}}
            )
        route = self.routes["characters"]
        if not answer.ok:
            route.set(False, self.describe_error(answer))
            return
        self.created += 1
        self.characters += 1
        body = answer.json()
        character_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(character_id, str) or not character_id:
            route.set(False, "answered 2xx without a character id")
            return
        fetched = self.call("GET", f"/videos/characters/{seg(character_id)}")
        if fetched.ok:
            route.set(True, f"character {self.short(character_id)}, retrieved")
        else:
            route.set(False, f"created, but retrieving it answered {self.describe_error(fetched)}")

    # -- following a job -------------------------------------------------------------------------------------------
    def follow(self, video_id: str) -> Video | None:
        """Poll until the job ends (or time runs out); the last video seen."""
        self.progress(f"Following job {self.short(video_id)}")
        deadline = min(time.monotonic() + self.follow_timeout, self.deadline)
        last = None
        first = True
        while True:
            if not first:
                wait = self.poll_interval
                if last is not None and last.poll_after_ms:
                    wait = min(max(last.poll_after_ms / 1000, self.poll_interval), 10.0)
                time.sleep(wait)
            first = False
            try:
                video = self.client.retrieve(video_id)
            except SoraError as exc:
                if self.routes["retrieve"].value is None and exc.status is not None and 400 <= exc.status < 500:
                    self.routes["retrieve"].set(False, f"{exc.status} {exc.message[:160]}")
                self.notes.append(f"Retrieving {self.short(video_id)} failed: {exc.message[:160]}")
                return last
            if self.routes["retrieve"].value is None:
                self.routes["retrieve"].set(True, "the job's state")
            self.look_at_video(video, poll_after=video.poll_after_ms)
            if video.request_id:
                self.headers["x-request-id"].set(True, "sent")
            last = video
            meaning = self.meaning(video)
            if meaning in (COMPLETED, FAILED):
                self.finished[video_id] = video
                if meaning == FAILED and self.failed_answer.value is None:
                    status = video.http_status or 200
                    if 200 <= status < 300:
                        self.failed_answer.set(True, f"{status} with status {video.status!r}")
                    else:
                        self.failed_answer.set(False, f"{status} with the job as the body (status {video.status!r})")
                return video
            if time.monotonic() > deadline:
                self.notes.append(
                    f"Job {self.short(video_id)} still {video.status!r} when the probe stopped following."
                )
                return video

    # -- content ---------------------------------------------------------------------------------------------------
    def check_content(self, video: Video) -> None:
        self.progress("Downloading the content and each variant")
        for variant in ("video", "thumbnail", "spritesheet"):
            sink = Sniffer(KEEP_VIDEO_BYTES if variant == "video" else 0)
            measure = self.variants[variant]
            try:
                download = self.client.download(video.id, sink, variant=variant, max_seconds=DOWNLOAD_SECONDS)
            except SoraError as exc:
                status = f"{exc.status} " if exc.status and exc.status >= 300 else ""
                measure.set(False, f"{status}{exc.message[:160]}")
                if variant == "video":
                    self.routes["content"].set(False, measure.detail)
                continue
            kind = sniff(sink.head)
            if download.request_id:
                self.headers["x-request-id"].set(True, "sent")
            detail = f"{kind}, {download.bytes:,} bytes ({download.content_type or 'no content type'})"
            if variant == "video":
                measure.set(kind == "MP4", detail)
                self.routes["content"].set(kind == "MP4", detail)
                if kind == "MP4" and sink.kept is not None:
                    self.mp4 = bytes(sink.kept)
            elif kind in IMAGE_TYPES:
                expected = EXPECTED_TYPE[variant]
                measure.set(True, detail if kind == expected else f"{detail}; the contract says {expected}")
            else:
                ignored = " (the variant is ignored)" if kind == "MP4" else ""
                measure.set(False, f"{detail}{ignored}")

    # -- the end ---------------------------------------------------------------------------------------------------
    def look_up_deleted(self, video_id: str) -> None:
        """How a job that is gone answers a retrieve (what reconciling a lost job relies on). Only ever asked of a
        real id: an invented one can make a gateway route it elsewhere (LiteLLM falls back to api.openai.com)."""
        answer = self.call("GET", f"/videos/{seg(video_id)}")
        self.deleted_answer.set(answer.status == 404, self.describe_error(answer))
        if not answer.ok:
            self.envelopes.setdefault("retrieve", envelope_kind(answer))

    def delete_jobs(self) -> None:
        if not self.jobs:
            if self.plan.create_budget == 0:
                answer = self.call("DELETE", f"/videos/{UNKNOWN_ID}")
                if answer.status == 405:
                    self.routes["delete"].set(False, self.describe_error(answer))
            return
        self.progress(f"Deleting the {len(self.jobs)} job(s) the probe made")
        order = sorted(self.jobs, key=lambda job: 0 if job in self.finished else 1)
        deleted = 0
        for video_id in order:
            answer = self.call("DELETE", f"/videos/{seg(video_id)}")
            if answer.ok:
                deleted += 1
                if self.deleted_answer.value is None:
                    self.look_up_deleted(video_id)
                if self.routes["delete"].value is None:
                    body = answer.json()
                    detail = "deleted"
                    if isinstance(body, dict) and body.get("status") and body.get("deleted") is None:
                        detail = f"answers the video with status {body['status']!r}"
                    self.routes["delete"].set(True, detail)
            elif self.routes["delete"].value is None and video_id in self.finished:
                self.routes["delete"].set(False, self.describe_error(answer))
                if answer.status in (404, 405):
                    break
        if deleted < len(self.jobs):
            self.notes.append(
                f"{len(self.jobs) - deleted} of the probe's {len(self.jobs)} job(s) stay on the provider."
            )
