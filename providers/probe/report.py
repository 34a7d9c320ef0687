"""What the probe measured, written two ways: the capability profile (providers/capabilities.py's schema, stored on
``Provider.profile``) and the table people read (✔ / ✖ / untested per capability, with what was seen).

The table is stored inside the profile (``profile["table"]``), so the admin shows exactly what the probe printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from providers.capabilities import ROUTES

YES, NO, UNTESTED = "✔", "✖", "untested"
ROUTE_ORDER = ROUTES
ROUTE_LABELS = {
    "create_json": "create (JSON)",
    "create_multipart": "create (multipart, with an image)",
    "retrieve": "retrieve",
    "list": "list",
    "delete": "delete",
    "content": "content: video",
    "remix": "remix",
    "edits": "edits",
    "extensions": "extensions",
    "characters": "characters",
}
DETAIL_LIMIT = 110


@dataclass(frozen=True)
class Row:
    capability: str
    mark: str  # ✔, ✖, untested, or "" for a fact that is a value
    detail: str = ""


@dataclass
class Facts:
    provider: str
    base_url: str
    measured_at: Any
    create_budget: int
    allow_spend: Decimal
    routes: dict
    variants: dict
    models: dict
    status_words: dict[str, str]
    ids: list[str]
    envelopes: dict[str, str]
    headers: dict
    failed_answer: Any
    deleted_answer: Any
    remix_source: Any
    calls: int
    created: int
    jobs: int
    characters: int
    seconds: int
    spent: Decimal
    unpriced: int
    notes: list[str]


def mark(value: bool | None) -> str:
    return YES if value is True else NO if value is False else UNTESTED


def _values(found: dict[str, bool | None]) -> str:
    return ", ".join(f"{value} {mark(ok) if ok is not None else '?'}" for value, ok in found.items())


def _values_mark(found: dict[str, bool | None]) -> str:
    measured = [ok for ok in found.values() if ok is not None]
    if not measured:
        return UNTESTED
    return YES if any(measured) else NO


def _cost(facts: Facts) -> str:
    parts = [f"{facts.calls} calls", f"{facts.jobs} job(s), {facts.seconds} s of video"]
    if facts.characters:
        parts.append(f"{facts.characters} character(s)")
    money = f"${facts.spent.quantize(Decimal('0.01'))}"
    if facts.unpriced:
        money += f" + {facts.unpriced} job(s) without a registry price"
    parts.append(f"{money} (allowed ${facts.allow_spend}, budget {facts.create_budget})")
    return "; ".join(parts)


def _id_facts(facts: Facts) -> tuple[int | None, str]:
    from providers.probe.reading import id_shape

    if not facts.ids:
        return None, ""
    longest = max(facts.ids, key=len)
    return len(longest), id_shape(facts.ids[0])


def rows(facts: Facts) -> list[Row]:
    table = [Row(ROUTE_LABELS[name], mark(facts.routes[name].value), facts.routes[name].detail) for name in ROUTE_ORDER]
    # the variants after the content route
    at = [row.capability for row in table].index("content: video") + 1
    table[at:at] = [
        Row(f"content: {variant}", mark(facts.variants[variant].value), facts.variants[variant].detail)
        for variant in ("thumbnail", "spritesheet")
    ]
    table.append(
        Row("remixed_from_video_id is the source's id", mark(facts.remix_source.value), facts.remix_source.detail)
    )
    for name, model in facts.models.items():
        table.append(Row(f"model {name}", mark(model.accepted.value), model.accepted.detail))
        for what, found in (("sizes", model.sizes), ("seconds", model.seconds)):
            how = model.how.get("size" if what == "sizes" else what, "")
            detail = f"{_values(found)} ({how})" if found else how or "not checked"
            table.append(Row(f"{name}: {what}", _values_mark(found) if found else UNTESTED, detail))
    words = ", ".join(f"{word} → {meaning}" for word, meaning in facts.status_words.items())
    table.append(Row("status words", YES if words else UNTESTED, words))
    table.append(Row("failed job answered with 2xx", mark(facts.failed_answer.value), facts.failed_answer.detail))
    table.append(Row("a deleted job answers 404", mark(facts.deleted_answer.value), facts.deleted_answer.detail))
    longest, shape = _id_facts(facts)
    table.append(Row("ids", "" if longest else UNTESTED, f"{longest} characters at most; {shape}" if longest else ""))
    envelopes = "; ".join(f"{kind} ({where})" for where, kind in facts.envelopes.items())
    table.append(Row("error envelope", "" if envelopes else UNTESTED, envelopes))
    for name, measure in facts.headers.items():
        detail = measure.detail or ("only sent with 429/503 answers" if name == "retry-after" else "")
        table.append(Row(f"header {name}", mark(measure.value), detail))
    table.append(Row("webhooks", UNTESTED, "not measurable by the probe (the provider must call the studio back)"))
    table.append(Row("cost", "", _cost(facts)))
    table.append(Row("measured at", "", facts.measured_at.isoformat(timespec="seconds")))
    return table


def profile(facts: Facts) -> dict:
    """The capability profile (providers/capabilities.py) with the table and the probe's own facts."""
    longest, shape = _id_facts(facts)
    models = {}
    for name, model in facts.models.items():
        entry: dict[str, Any] = {"accepted": model.accepted.value, "how": dict(model.how)}
        for what, found in (("sizes", model.sizes), ("seconds", model.seconds)):
            if any(ok is not None for ok in found.values()):
                entry[what] = [value for value, ok in found.items() if ok is True]
                entry[f"refused_{what}"] = [value for value, ok in found.items() if ok is False]
            untested = [value for value, ok in found.items() if ok is None]
            if untested:
                entry[f"untested_{what}"] = untested
        models[name] = entry
    create_kind = facts.envelopes.get("create") or next(iter(facts.envelopes.values()), None)
    data: dict[str, Any] = {
        "routes": {name: m.value for name, m in facts.routes.items() if m.value is not None},
        "variants": {name: m.value for name, m in facts.variants.items() if m.value is not None},
        "status_words": dict(facts.status_words),
        "models": models,
        "id_max_length": longest,
        "id_shape": shape or None,
        "error_envelope": create_kind,
        "error_envelopes": dict(facts.envelopes),
        "headers": {name: m.value for name, m in facts.headers.items() if m.value is not None},
        "cost": {
            "calls": facts.calls,
            "created": facts.created,
            "jobs": facts.jobs,
            "characters": facts.characters,
            "seconds": facts.seconds,
            "usd": str(facts.spent.quantize(Decimal("0.01"))),
            "unpriced_jobs": facts.unpriced,
        },
        "notes": list(facts.notes),
        "measured_at": facts.measured_at.isoformat(timespec="seconds"),
        "probe": {"create_budget": facts.create_budget, "allow_spend": str(facts.allow_spend)},
        "table": [[row.capability, row.mark, row.detail] for row in rows(facts)],
    }
    if facts.failed_answer.value is not None:
        data["failed_job_answer"] = facts.failed_answer.detail
    if facts.remix_source.value is not None:
        data["remix_source_id"] = "same" if facts.remix_source.value else "upstream"
    return data


def stored_rows(profile_data: Any) -> list[Row]:
    """The table stored in a profile (``[]`` when the provider was never probed or the profile is not the probe's)."""
    table = profile_data.get("table") if isinstance(profile_data, dict) else None
    if not isinstance(table, list):
        return []
    found = []
    for item in table:
        if isinstance(item, list | tuple) and len(item) == 3 and all(isinstance(part, str) for part in item):
            found.append(Row(*item))
    return found


def render(table: list[Row]) -> str:
    """The table as aligned plain text (the command prints it)."""
    width = max((len(row.capability) for row in table), default=10)
    lines = [f"{'capability'.ljust(width)}  {'result'.ljust(8)}  detail", f"{'-' * width}  {'-' * 8}  {'-' * 40}"]
    for row in table:
        detail = row.detail if len(row.detail) <= DETAIL_LIMIT else row.detail[: DETAIL_LIMIT - 1] + "…"
        lines.append(f"{row.capability.ljust(width)}  {row.mark.ljust(8)}  {detail}".rstrip())
    return "\n".join(lines)
