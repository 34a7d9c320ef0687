"""The quota models now live in the quotas app (same tables until quotas 0002 renames them): state only."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("videos", "0007_assets_and_providers_required"),
        ("quotas", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="QuotaCharge"),
                migrations.DeleteModel(name="QuotaGrant"),
                migrations.DeleteModel(name="QuotaUsage"),
                migrations.DeleteModel(name="QuotaRule"),
            ],
        ),
    ]
