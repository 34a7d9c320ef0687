"""Reads for providers and the model registry."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from providers.models import Provider, ProviderModel


def offered_models() -> QuerySet[ProviderModel]:
    """The models the create form offers: active models of active providers, in the admin's order."""
    return (
        ProviderModel.objects.filter(is_active=True, provider__is_active=True)
        .select_related("provider")
        .order_by("provider__sort_order", "provider__name", "sort_order", "name")
    )


def model_key(spec: ProviderModel) -> str:
    """How a form names a model: `slug:name` (model names repeat across providers)."""
    return f"{spec.provider.slug}:{spec.name}"


def model_for(key: str) -> ProviderModel:
    """The offered model named by `slug:name`, or by a bare name (the first provider offering it)."""
    candidates = offered_models()
    slug, sep, name = (key or "").partition(":")
    if sep and candidates.filter(provider__slug=slug, name=name).exists():
        return candidates.get(provider__slug=slug, name=name)
    spec = candidates.filter(name=key).first()
    if spec is None:
        raise ValidationError({"model": f"“{key}” is not a model this studio offers."})
    return spec


def active_providers() -> QuerySet[Provider]:
    return Provider.objects.filter(is_active=True)


def simulator() -> Provider:
    return Provider.objects.get(slug=Provider.SIMULATOR_SLUG)
