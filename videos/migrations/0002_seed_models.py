from __future__ import annotations

from django.db import migrations


def seed(apps, schema_editor):
    from videos.sora.catalog import MODELS

    SoraModel = apps.get_model("videos", "SoraModel")
    labels = {"sora-2": "Sora 2 (fast)", "sora-2-pro": "Sora 2 Pro (high fidelity)"}
    for order, spec in enumerate(MODELS.values()):
        SoraModel.objects.update_or_create(
            name=spec.name,
            defaults={
                "label": labels.get(spec.name, f"{spec.name} (snapshot)"),
                "prices": {size: str(price) for size, price in spec.prices.items()},
                "seconds": list(spec.seconds),
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("videos", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
