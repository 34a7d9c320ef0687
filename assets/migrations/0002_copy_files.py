"""Data only: the file columns of videos.Video become asset rows (see videos 0006 for why data has its own migration)."""

from django.db import migrations


def copy_files(apps, schema_editor):
    """The nine file columns of videos.Video (and its reference image) become asset rows, same storage names."""
    Video = apps.get_model("videos", "Video")
    Asset = apps.get_model("assets", "Asset")
    types = {"video": "video/mp4", "thumbnail": "image/webp", "spritesheet": "image/jpeg"}
    for video in Video.objects.all().iterator():
        for kind, content_type in types.items():
            name = getattr(video, f"{kind}_file").name
            if name:
                Asset.objects.create(
                    video=video, kind=kind, file=name, content_type=content_type,
                    bytes=getattr(video, f"{kind}_bytes"), sha256=getattr(video, f"{kind}_sha256"), origin="provider",
                    provider_id=video.provider_id,
                )  # fmt: skip
        if video.input_reference.name:
            Asset.objects.create(
                video=video, kind="reference", file=video.input_reference.name, content_type="image/png",
                origin="upload",
            )  # fmt: skip


class Migration(migrations.Migration):

    dependencies = [("assets", "0001_initial")]

    operations = [migrations.RunPython(copy_files, migrations.RunPython.noop)]
