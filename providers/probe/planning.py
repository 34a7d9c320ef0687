"""The plan: what the probe may create and spend, said before anything is created."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from providers.models import Provider, ProviderModel
from videos.sora.catalog import ALL_SIZES, SECONDS

from .constants import JOB_KINDS, JOB_LABELS, ProbeError


@dataclass(frozen=True)
class Combo:
    model: str
    size: str
    seconds: str
    price: Decimal | None  # USD per second; None when the registry has no price for this size

    @property
    def cost(self) -> Decimal | None:
        return None if self.price is None else (self.price * int(self.seconds)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class ProbePlan:
    provider: str
    base_url: str
    create_budget: int
    combo: Combo | None
    jobs: tuple[str, ...]  # JOB_KINDS, at most create_budget of them

    @property
    def max_spend(self) -> Decimal:
        """Every planned job at the cheapest combination (a character costs no video seconds)."""
        if self.combo is None or self.combo.cost is None:
            return Decimal("0.00")
        return sum((self.combo.cost for kind in self.jobs if kind != "characters"), Decimal("0.00"))

    def lines(self) -> list[str]:
        if not self.jobs:
            return [f"Probe {self.provider} ({self.base_url}) without creating anything (budget 0): no spend."]
        combo = self.combo
        each = "unknown (no price in the registry)" if combo.cost is None else f"${combo.cost}"
        lines = [
            f"Probe {self.provider} ({self.base_url}): at most {self.create_budget} object(s) created upstream, "
            f"each {combo.model}, {combo.size}, {combo.seconds} s, {each}:"
        ]
        lines += [f"  {number}. {JOB_LABELS[kind]}" for number, kind in enumerate(self.jobs, 1)]
        lines.append(f"At most ${self.max_spend} in all. Checks of sizes and durations send values the server "
                     "refuses; one it takes anyway counts against the same budget and spend.")  # fmt: skip
        return lines


def registry_models(provider: Provider) -> list[ProviderModel]:
    return list(provider.models.filter(is_active=True).order_by("sort_order", "name"))


def size_order(size: str) -> tuple[int, str]:
    """Sizes in the contract's order, then any others by name: a registry's price keys come back in another order
    from PostgreSQL's jsonb than from SQLite, and the probe must choose (and report) the same way on both."""
    return (ALL_SIZES.index(size), size) if size in ALL_SIZES else (len(ALL_SIZES), size)


def registry_sizes(spec: ProviderModel) -> list[str]:
    return sorted(spec.prices or {}, key=size_order)


def cheapest(
    models: Iterable[ProviderModel], refused: Callable[[str, str, str], bool] = lambda *a: False
) -> Combo | None:
    """The cheapest (model, size, seconds) of the registry that was not measured refused (on ties: the registry's
    model order, the contract's size order, the registry's seconds order)."""
    best: tuple[Decimal, int, Combo] | None = None
    order = 0
    for spec in models:
        for size in registry_sizes(spec):
            price = spec.prices[size]
            for seconds in spec.seconds or SECONDS:
                order += 1
                if refused(spec.name, size, str(seconds)):
                    continue
                try:
                    per_second = Decimal(str(price))
                except ArithmeticError:
                    per_second = None
                combo = Combo(spec.name, size, str(seconds), per_second)
                key = (combo.cost if combo.cost is not None else Decimal("Infinity"), order, combo)
                if best is None or key[:2] < best[:2]:
                    best = key
    return best[2] if best else None


def plan(provider: Provider, *, create_budget: int = 3) -> ProbePlan:
    if create_budget < 0:
        raise ProbeError("The create budget must be 0 or more.")
    models = registry_models(provider)
    combo = cheapest(models)
    if create_budget and combo is None:
        raise ProbeError(
            f"{provider.name} has no active model with a size and a price in the registry: add one (the probe "
            "creates with it), or probe without creating."
        )
    return ProbePlan(
        provider=provider.name,
        base_url=provider.effective_base_url,
        create_budget=create_budget,
        combo=combo,
        jobs=JOB_KINDS[:create_budget],
    )
