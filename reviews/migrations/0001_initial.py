from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    """The app's first migration: no tables of its own yet (each part adds its own)."""

    initial = True
    dependencies: list = []
    operations: list = []
