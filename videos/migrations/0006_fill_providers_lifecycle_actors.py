"""Data for the new job fields (its own migration: on PostgreSQL a table with pending row changes cannot be altered in
the same transaction, and the schema editor creates indexes and constraints at the end of a migration)."""

from django.db import migrations


def fill(apps, schema_editor):
    """Every job gets its provider (the one serving its model), its operation, who made it, its upstream key, and a
    retry time where its lease meant "not before"."""
    import hashlib

    from django.db.models import F

    Video = apps.get_model("videos", "Video")
    Provider = apps.get_model("providers", "Provider")
    ProviderModel = apps.get_model("providers", "ProviderModel")
    WebhookEvent = apps.get_model("videos", "WebhookEvent")
    default = Provider.objects.filter(slug="openai").first() or Provider.objects.get(slug="simulator")
    by_model = {}
    for spec in ProviderModel.objects.order_by("provider__sort_order", "id"):
        by_model.setdefault(spec.name, spec.provider_id)
    for model, ids in _group(Video.objects.values_list("model", "id")):
        Video.objects.filter(id__in=ids).update(provider_id=by_model.get(model, default.id))
    Video.objects.filter(remixed_from__isnull=False).update(operation="remix")
    Video.objects.update(created_by=F("owner"))
    Video.objects.filter(status="pending", lease_until__isnull=False).update(retry_at=F("lease_until"), lease_until=None)
    for video_id, upstream_id in Video.objects.filter(upstream_id__isnull=False).values_list("id", "upstream_id"):
        Video.objects.filter(id=video_id).update(upstream_key=hashlib.sha256(upstream_id.encode()).hexdigest())
    WebhookEvent.objects.update(provider=default)


def _group(rows):
    groups = {}
    for key, value in rows:
        groups.setdefault(key, []).append(value)
    return groups.items()


class Migration(migrations.Migration):

    dependencies = [("videos", "0005_providers_lifecycle_actors")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
