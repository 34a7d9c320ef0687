"""Which sizes and durations each model accepts, checked with creates the server must refuse (see __init__)."""

from __future__ import annotations

from dataclasses import dataclass, field

from providers.models import ProviderModel
from videos.sora.catalog import ALL_SIZES, SECONDS

from .constants import (
    EXTRA_SECONDS,
    EXTRA_SIZES,
    FORM_ENCODING,
    INVALID,
    JSON_ENCODING,
    POISON_FIELD,
    UNKNOWN_MODEL,
)
from .planning import Combo, registry_sizes
from .reading import Outcome

CHECKED = ("model", "size", "seconds")


@dataclass(frozen=True)
class Strategy:
    """How one field's values are checked: a create that the server must refuse whatever the value, because of
    something else in it (no prompt, a bad input_reference, or another bad field the server checks later)."""

    encoding: str
    prompt: bool
    poison: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def expected(self) -> set[str]:
        """What the refusal names when the value under test is fine."""
        if not self.prompt:
            return {"prompt"}
        if self.poison:
            return {POISON_FIELD}
        return set(self.extra)

    def describe(self) -> str:
        if not self.prompt:
            return f"{self.encoding} create without a prompt"
        if self.poison:
            return f"{self.encoding} create with a refused input_reference"
        return f"{self.encoding} create with a bad {' and '.join(self.extra)} checked after it"


class ValueChecks:
    """The part of the prober that checks models, sizes and durations (mixed into ``Prober``)."""

    def check_values(self) -> None:
        if not self.models:
            self.notes.append("No model in the registry: sizes and durations untested.")
            return
        self.progress("Finding how this server reports bad values without creating anything")
        self.find_safe_strategies()
        if len(self.strategies) < 3 and self.plan.combo is not None:
            self.find_poison_strategies()
        if len(self.strategies) < 3 and self.plan.combo is not None:
            self.find_order_strategies()
        for spec in self.models:
            if self.out_of_time():
                break
            self.check_model(spec)

    def missing(self) -> list[str]:
        return [name for name in CHECKED if name not in self.strategies]

    def risky(self, outcome: Outcome, combo: Combo | None = None) -> bool:
        """After a calibration with a prompt: True (stop) when it made a job or may have (a 5xx), counted."""
        if outcome.created:
            self.poison_off = True
            self.notes.append("A create sent with a value the server should refuse made a job (counted): no further "
                              "checks with a prompt.")  # fmt: skip
            self.count_job(outcome.video, model=combo.model if combo else None)
            return True
        if outcome.answer.status >= 500:
            self.poison_off = True
            self.created += 1
            self.notes.append(f"A check answered {outcome.answer.status}; it may have made a job (counted).")
            return True
        return False

    def find_safe_strategies(self) -> None:
        """Prompt-less creates (they cannot make a job): which bad values does the server still name?"""
        first = self.plan.combo.model if self.plan.combo else self.models[0].name
        for encoding in (JSON_ENCODING, FORM_ENCODING):
            unknown = self.create_like(encoding, prompt=False, model=UNKNOWN_MODEL, size=INVALID, seconds=INVALID)
            known = self.create_like(encoding, prompt=False, model=first, size=INVALID, seconds=INVALID)
            if unknown.created or known.created:
                self.notes.append("A create without a prompt made a job: no checks without a prompt.")
                for outcome in (unknown, known):
                    if outcome.created:
                        self.count_job(outcome.video)
                return
            if "model" in unknown.names:
                self.strategies.setdefault("model", Strategy(encoding, prompt=False))
            for name in ("size", "seconds"):
                if name in known.names:
                    self.strategies.setdefault(name, Strategy(encoding, prompt=False))
            if not self.missing():
                return

    def find_poison_strategies(self) -> None:
        """Creates with a prompt and an input_reference the server must refuse, verified first with the cheapest
        real values (the only one of these that could make a job)."""
        combo = self.plan.combo
        for encoding in (JSON_ENCODING, FORM_ENCODING):
            if self.poison_off:
                return
            if not self.may_create(combo.cost):
                self.notes.append("Value checks with a prompt skipped: no create budget or spend left for the risk.")
                return
            self.progress(
                f"Checking that a bad input_reference is refused ({encoding}), before any check with a prompt"
            )
            alone = self.create_like(encoding, prompt=True, poison=True, model=combo.model, size=combo.size,
                                     seconds=combo.seconds)  # fmt: skip
            if alone.created:
                self.poison_off = True
                self.notes.append(f"A {encoding} create with a bad input_reference made a job (counted): no further "
                                  "checks with a prompt.")  # fmt: skip
                self.adopt(alone, encoding, combo)
                return
            if self.risky(alone):
                return
            if "prompt" in alone.names and encoding == JSON_ENCODING:
                self.json_body_read = False  # a prompt was sent: the server read no JSON body
            if alone.names != {POISON_FIELD}:
                continue
            checks = {
                "model": {"model": UNKNOWN_MODEL},
                "size": {"model": combo.model, "size": INVALID},
                "seconds": {"model": combo.model, "seconds": INVALID},
            }
            for name in self.missing():
                outcome = self.create_like(encoding, prompt=True, poison=True, **checks[name])
                if self.risky(outcome, combo):
                    return
                if name in outcome.names:
                    self.strategies[name] = Strategy(encoding, prompt=True, poison=True)
            return

    def find_order_strategies(self) -> None:
        """Creates with a prompt and another bad value that the server checks after the one under test (the
        contract names the first bad field of model, size, seconds): each calibration proves the bad values it
        relies on are refused."""
        combo = self.plan.combo
        for encoding in (JSON_ENCODING, FORM_ENCODING):
            if self.poison_off or (encoding == JSON_ENCODING and self.json_body_read is False):
                continue
            if not self.may_create(combo.cost):
                return
            self.progress(f"Checking the order in which the server checks model, size and seconds ({encoding})")
            unknown = self.create_like(encoding, prompt=True, model=UNKNOWN_MODEL, size=INVALID, seconds=INVALID)
            if self.risky(unknown, combo):
                return
            if "prompt" in unknown.names:
                if encoding == JSON_ENCODING:
                    self.json_body_read = False
                continue
            both = self.create_like(encoding, prompt=True, model=combo.model, size=INVALID, seconds=INVALID)
            if self.risky(both, combo):
                return
            if not both.names & {"size", "seconds"}:
                continue
            missing = self.missing()
            if "model" in missing and "model" in unknown.names:
                self.strategies["model"] = Strategy(encoding, prompt=True, extra={"size": INVALID, "seconds": INVALID})
            if "size" in missing and "size" in both.names:
                bad_seconds = self.create_like(
                    encoding, prompt=True, model=combo.model, size=combo.size, seconds=INVALID
                )
                if self.risky(bad_seconds, combo):
                    return
                if "seconds" in bad_seconds.names:
                    self.strategies["size"] = Strategy(encoding, prompt=True, extra={"seconds": INVALID})
            if "seconds" in missing and "seconds" in both.names:
                bad_size = self.create_like(
                    encoding, prompt=True, model=combo.model, size=INVALID, seconds=combo.seconds
                )
                if self.risky(bad_size, combo):
                    return
                if "size" in bad_size.names:
                    self.strategies["seconds"] = Strategy(encoding, prompt=True, extra={"size": INVALID})
            return

    def adopt(self, outcome: Outcome, encoding: str, combo: Combo) -> None:
        """A job a check made after all: counted, followed like the first create, and used as it when it can."""
        self.count_job(outcome.video, model=combo.model, size=combo.size, seconds=combo.seconds)
        if outcome.video is not None and self.job_a is None and encoding == JSON_ENCODING:
            self.job_a = outcome.video
            self.routes["create_json"].set(True, "a check's create made a job")
            self.json_body_read = True

    def value_check(self, name: str, model: str, value: str | None) -> bool | None:
        """One check of ``name`` = ``value`` for ``model``: True accepted, False refused, None unknown."""
        strategy = self.strategies.get(name)
        if strategy is None or (strategy.prompt and self.poison_off):
            return None
        fields = {"model": model, **strategy.extra}
        if name != "model":
            fields[name] = value
        if strategy.prompt and not self.may_create(self.plan.combo.cost):
            return None
        outcome = self.create_like(strategy.encoding, prompt=strategy.prompt, poison=strategy.poison, **fields)
        if outcome.created:
            self.poison_off = True
            self.notes.append(f"A check of {name} {value or model} made a job (counted against the budget).")
            self.count_job(outcome.video, model=model, size=fields.get("size"), seconds=fields.get("seconds"))
            return True
        if not outcome.refused:
            if outcome.answer.status >= 500 and strategy.prompt:
                self.poison_off = True
                self.created += 1
                self.notes.append(f"A check answered {outcome.answer.status}; it may have made a job (counted).")
            return None
        if name in outcome.names:
            return False
        return True if outcome.names & strategy.expected else None

    def check_model(self, spec: ProviderModel) -> None:
        facts = self.model_facts[spec.name]
        self.progress(f"Checking model {spec.name}: its sizes and durations")
        if "model" in self.strategies:
            accepted = self.value_check("model", spec.name, None)
            facts.accepted.set(accepted, self.how("model"))
            if accepted is False:
                return
        sizes = registry_sizes(spec)
        registry_seconds = [str(value) for value in spec.seconds or ()]
        for name, candidates in (
            ("size", sizes + [s for s in (*ALL_SIZES, *EXTRA_SIZES) if s not in sizes]),
            ("seconds", registry_seconds + [s for s in (*SECONDS, *EXTRA_SECONDS) if s not in registry_seconds]),
        ):
            target = facts.sizes if name == "size" else facts.seconds
            facts.how[name] = self.how(name)
            for value in candidates:
                target[value] = None if self.out_of_time() else self.value_check(name, spec.name, value)

    def how(self, name: str) -> str:
        strategy = self.strategies.get(name)
        return strategy.describe() if strategy else f"not checked: the server named no bad {name} without risk"

    def refused_value(self, model: str, size: str, seconds: str) -> bool:
        facts = self.model_facts.get(model)
        if facts is None:
            return False
        return facts.accepted.value is False or facts.sizes.get(size) is False or facts.seconds.get(seconds) is False
