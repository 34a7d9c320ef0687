import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("videos", "0006_fill_providers_lifecycle_actors"),
        ("assets", "0002_copy_files"),
    ]

    operations = [
        migrations.DeleteModel(
            name='SoraModel',
        ),
        migrations.RemoveField(
            model_name='video',
            name='input_reference',
        ),
        migrations.RemoveField(
            model_name='video',
            name='spritesheet_bytes',
        ),
        migrations.RemoveField(
            model_name='video',
            name='spritesheet_file',
        ),
        migrations.RemoveField(
            model_name='video',
            name='spritesheet_sha256',
        ),
        migrations.RemoveField(
            model_name='video',
            name='thumbnail_bytes',
        ),
        migrations.RemoveField(
            model_name='video',
            name='thumbnail_file',
        ),
        migrations.RemoveField(
            model_name='video',
            name='thumbnail_sha256',
        ),
        migrations.RemoveField(
            model_name='video',
            name='video_bytes',
        ),
        migrations.RemoveField(
            model_name='video',
            name='video_file',
        ),
        migrations.RemoveField(
            model_name='video',
            name='video_sha256',
        ),
        migrations.AddConstraint(
            model_name='video',
            constraint=models.UniqueConstraint(condition=models.Q(('upstream_key__isnull', False)), fields=('provider', 'upstream_key'), name='videos_video_one_per_upstream_job'),
        ),
        migrations.AddConstraint(
            model_name='webhookevent',
            constraint=models.UniqueConstraint(fields=('provider', 'webhook_id'), name='videos_webhookevent_one_per_delivery'),
        ),
        migrations.AlterField(
            model_name="video",
            name="provider",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="videos", to="providers.provider"),
        ),
        migrations.AlterField(
            model_name="webhookevent",
            name="provider",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="webhook_events", to="providers.provider"),
        ),
    ]
