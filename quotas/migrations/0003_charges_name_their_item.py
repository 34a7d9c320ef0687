"""Data only (its own migration: PostgreSQL refuses to alter a table with pending row changes in one transaction)."""

from django.db import migrations, models


def charges_name_their_item(apps, schema_editor):
    """A charge pointed at its video by a foreign key; now by type and id. Charges whose video was deleted (the key
    was set to NULL) get a negative id of their own, so one-per-item holds and they never match a live row."""
    QuotaCharge = apps.get_model("quotas", "QuotaCharge")
    QuotaCharge.objects.filter(video__isnull=False).update(item_type="videos.video", item_id=models.F("video_id"))
    for charge_id in QuotaCharge.objects.filter(video__isnull=True).values_list("id", flat=True):
        QuotaCharge.objects.filter(id=charge_id).update(item_type="videos.video", item_id=-charge_id)


class Migration(migrations.Migration):

    dependencies = [("quotas", "0002_tables_constraints_and_any_item")]

    operations = [
        migrations.RunPython(charges_name_their_item, migrations.RunPython.noop),
    ]
