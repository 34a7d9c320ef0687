"""The conformance probe: measure what a provider really does with `/v1/videos`, at a bounded, announced cost.

``probe(provider, allow_spend=..., create_budget=3)`` returns a ``ProbeResult``: a capability profile in the schema
of providers/capabilities.py (``routes``, ``variants``, ``status_words``, ``models``, ``webhooks``, ``id_max_length``,
``error_envelope``, ``headers``, ``cost``, ``notes``, plus ``measured_at`` and a few facts of its own) and a table
of ✔ / ✖ / untested rows (report.py). It writes nothing: ``providers.services.provider_probe``
stores the profile. Every request goes through ``SoraClient`` (redirect rules, caps, the key never in a message),
sent once, never retried, and counted.

How it measures, cheapest first:
1. Reachability: ``GET /videos`` and a create without a prompt. HTML, garbage, a redirect loop, a refused
   connection or a refused key end the probe with a clear ``ProbeError`` (nothing is stored).
2. Sizes and durations per registered model (its registry sizes and seconds, the contract's, and 832x480 / 5 s,
   which only a server that takes any value accepts), each checked by a create the server must refuse anyway, so
   that the answer only says whether the value itself was acceptable (values.py):
   - *without a prompt* (it cannot make a job): servers that report every bad field at once (FastAPI: vLLM-Omni,
     SGLang) name a bad size or seconds there;
   - *with a prompt and an input_reference the server must refuse* (``{"image_url": "studio-probe:not-a-url"}``,
     or a text field in multipart): servers that validate in the contract's order name a bad model, size or seconds
     before the reference. The cheapest real values are sent with that reference first, to see it refused;
   - *with a prompt and another bad field the server checks later* (a bad seconds when checking sizes): for a
     gateway such as LiteLLM that passes the create to a contract upstream.
   A calibration decides which of these a field gets; each one relies only on refusals it has seen. A check that
   makes a job after all is counted against the budget and the spend, and no further checks with a prompt are
   sent. Values no strategy can check stay untested ("not checked").
3. At most ``create_budget`` real objects (jobs, and a character), in this order: a create (JSON, or multipart when
   the server reads no JSON body; a refusal naming the model, size or seconds moves to the next cheapest
   combination), a remix, a multipart create with an image, an edit, an extension, a character. Each only when the
   money allows (``allow_spend``: seconds x the registry's price) and its route answered an empty request with
   something else than 404/405 (a missing route costs nothing to find). Every job is followed to its end (status
   words, headers, how a failed job is answered), the finished one's content and variants are downloaded (the type
   is read from the bytes: MP4 ``ftyp``, WebP ``RIFF....WEBP``, JPEG ``FF D8 FF``), and every job is deleted at the
   end (which measures delete, and how a deleted job answers). The probe never invents an id for a GET: a gateway
   may route an id it cannot decode elsewhere (LiteLLM falls back to api.openai.com), which is also why it does
   not try LiteLLM's character route.
With ``create_budget=0`` nothing is created; routes that need a job stay untested.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from providers.models import Provider
from videos.sora.client import SoraClient

from .constants import JOB_KINDS, JOB_LABELS, ProbeError
from .planning import Combo, ProbePlan, plan
from .prober import Prober, ProbeResult
from .report import Row, render, stored_rows

__all__ = ["JOB_KINDS", "JOB_LABELS", "Combo", "ProbeError", "ProbePlan", "ProbeResult", "Row", "plan", "probe",
           "render", "stored_rows"]  # fmt: skip


def probe(
    provider: Provider,
    *,
    allow_spend: Decimal,
    create_budget: int = 3,
    on_progress: Callable[[str], None] | None = None,
    poll_interval: float = 2.0,
    follow_timeout: float = 900.0,
    max_seconds: float = 3000.0,
    client: SoraClient | None = None,
) -> ProbeResult:
    """Measure ``provider``; create at most ``create_budget`` objects and spend at most ``allow_spend`` USD."""
    allow_spend = Decimal(allow_spend)
    if not allow_spend.is_finite() or allow_spend < 0:
        raise ProbeError("The spend allowed must be a number of dollars, 0 or more.")
    the_plan = plan(provider, create_budget=create_budget)
    prober = Prober(
        provider, the_plan, allow_spend=allow_spend, on_progress=on_progress or (lambda message: None),
        poll_interval=poll_interval, follow_timeout=follow_timeout, max_seconds=max_seconds, client=client,
    )  # fmt: skip
    try:
        prober.run()
    finally:
        if client is None:
            prober.client.close()
    return prober.result()
