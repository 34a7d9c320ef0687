"""Quotas move out of the videos app into their own: the tables stay as they are (state only here); 0002 renames
them and their constraints, and makes the ledger charge any kind of item."""

from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("videos", "0007_assets_and_providers_required"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='QuotaRule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('period', models.CharField(choices=[('day', 'Day'), ('week', 'Week'), ('month', 'Month')], default='month', max_length=5)),
                        ('max_videos', models.PositiveIntegerField(blank=True, help_text='Empty: no limit.', null=True)),
                        ('max_seconds', models.PositiveIntegerField(blank=True, help_text='Seconds of video. Empty: no limit.', null=True)),
                        ('max_spend', models.DecimalField(blank=True, decimal_places=2, help_text='USD. Empty: no limit.', max_digits=10, null=True)),
                        ('allowed_models', models.JSONField(blank=True, default=list, help_text='Model names; empty: every model.')),
                        ('max_in_flight', models.PositiveSmallIntegerField(blank=True, help_text='Jobs of one user running upstream at once. Empty: no limit of its own.', null=True)),
                        ('note', models.CharField(blank=True, max_length=200)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('project', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='quota_rules', to='accounts.project')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='quota_rules', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'videos_quotarule',
                        'verbose_name': 'quota rule',
                        'ordering': ['user_id', 'project_id', 'period', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='QuotaGrant',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('period_start', models.DateTimeField()),
                        ('extra_videos', models.PositiveIntegerField(default=0)),
                        ('extra_seconds', models.PositiveIntegerField(default=0)),
                        ('extra_spend', models.DecimalField(decimal_places=2, default=Decimal(0), max_digits=10)),
                        ('note', models.CharField(blank=True, max_length=200)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('granted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('user', models.ForeignKey(blank=True, help_text='For a site default: the user it is for.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='quota_grants', to=settings.AUTH_USER_MODEL)),
                        ('rule', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='grants', to='quotas.quotarule')),
                    ],
                    options={
                        'db_table': 'videos_quotagrant',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='QuotaUsage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('period_start', models.DateTimeField()),
                        ('videos', models.IntegerField(default=0)),
                        ('seconds', models.BigIntegerField(default=0)),
                        ('spend_reserved_micros', models.BigIntegerField(default=0)),
                        ('spend_settled_micros', models.BigIntegerField(default=0)),
                        ('extra_videos', models.IntegerField(default=0)),
                        ('extra_seconds', models.BigIntegerField(default=0)),
                        ('extra_spend_micros', models.BigIntegerField(default=0)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('rule', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='usages', to='quotas.quotarule')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='quota_usages', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'videos_quotausage',
                        'verbose_name': 'quota usage',
                        'verbose_name_plural': 'quota usage',
                        'ordering': ['-period_start', 'rule_id'],
                    },
                ),
                migrations.CreateModel(
                    name='QuotaCharge',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('model', models.CharField(max_length=64)),
                        ('seconds', models.PositiveIntegerField()),
                        ('cost_micros', models.BigIntegerField()),
                        ('state', models.CharField(choices=[('reserved', 'Reserved'), ('settled', 'Settled'), ('refunded', 'Refunded')], default='reserved', max_length=10)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('project', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='quota_charges', to='accounts.project')),
                        ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='quota_charges', to=settings.AUTH_USER_MODEL)),
                        ('video', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='charge', to='videos.video')),
                        ('usages', models.ManyToManyField(blank=True, related_name='charges', to='quotas.quotausage')),
                    ],
                    options={
                        'db_table': 'videos_quotacharge',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='quotarule',
                    constraint=models.CheckConstraint(condition=models.Q(('user__isnull', True), ('project__isnull', True), _connector='OR'), name='videos_quotarule_one_scope', violation_error_message='A rule is for a user or for a project (or, with neither, the site), not both.'),
                ),
                migrations.AddConstraint(
                    model_name='quotarule',
                    constraint=models.CheckConstraint(condition=models.Q(('period__in', ['day', 'week', 'month'])), name='videos_quotarule_period_valid'),
                ),
                migrations.AddConstraint(
                    model_name='quotarule',
                    constraint=models.CheckConstraint(condition=models.Q(('max_videos__isnull', True), models.Q(('max_videos__gte', 0), ('max_videos__lte', 100000)), _connector='OR'), name='videos_quotarule_max_videos_range'),
                ),
                migrations.AddConstraint(
                    model_name='quotarule',
                    constraint=models.CheckConstraint(condition=models.Q(('max_seconds__isnull', True), models.Q(('max_seconds__gte', 0), ('max_seconds__lte', 10000000)), _connector='OR'), name='videos_quotarule_max_seconds_range'),
                ),
                migrations.AddConstraint(
                    model_name='quotarule',
                    constraint=models.CheckConstraint(condition=models.Q(('max_spend__isnull', True), models.Q(('max_spend__gte', 0), ('max_spend__lte', Decimal(100000))), _connector='OR'), name='videos_quotarule_max_spend_range'),
                ),
                migrations.AddConstraint(
                    model_name='quotarule',
                    constraint=models.CheckConstraint(condition=models.Q(('max_in_flight__isnull', True), models.Q(('max_in_flight__gte', 1), ('max_in_flight__lte', 1000)), _connector='OR'), name='videos_quotarule_max_in_flight_range'),
                ),
                migrations.AddConstraint(
                    model_name='quotarule',
                    constraint=models.UniqueConstraint(condition=models.Q(('user__isnull', False)), fields=('user', 'period'), name='videos_quotarule_one_per_user_period', violation_error_message='This user already has a rule for that period; edit it instead.'),
                ),
                migrations.AddConstraint(
                    model_name='quotarule',
                    constraint=models.UniqueConstraint(condition=models.Q(('project__isnull', False)), fields=('project', 'period'), name='videos_quotarule_one_per_project_period', violation_error_message='This project already has a rule for that period; edit it instead.'),
                ),
                migrations.AddConstraint(
                    model_name='quotarule',
                    constraint=models.UniqueConstraint(condition=models.Q(('project__isnull', True), ('user__isnull', True)), fields=('period',), name='videos_quotarule_one_site_default_per_period', violation_error_message='There is already a site default for that period; edit it instead.'),
                ),
                migrations.AddConstraint(
                    model_name='quotagrant',
                    constraint=models.CheckConstraint(condition=models.Q(('extra_spend__gte', 0), ('extra_spend__lte', Decimal(100000))), name='videos_quotagrant_spend_range'),
                ),
                migrations.AddConstraint(
                    model_name='quotagrant',
                    constraint=models.CheckConstraint(condition=models.Q(('extra_seconds__lte', 10000000), ('extra_videos__lte', 100000)), name='videos_quotagrant_counts_range'),
                ),
                migrations.AddConstraint(
                    model_name='quotausage',
                    constraint=models.UniqueConstraint(condition=models.Q(('user__isnull', False)), fields=('rule', 'user', 'period_start'), name='videos_quotausage_one_per_rule_user_period'),
                ),
                migrations.AddConstraint(
                    model_name='quotausage',
                    constraint=models.UniqueConstraint(condition=models.Q(('user__isnull', True)), fields=('rule', 'period_start'), name='videos_quotausage_one_per_rule_period'),
                ),
                migrations.AddConstraint(
                    model_name='quotausage',
                    constraint=models.CheckConstraint(condition=models.Q(('extra_seconds__gte', 0), ('extra_spend_micros__gte', 0), ('extra_videos__gte', 0), ('seconds__gte', 0), ('spend_reserved_micros__gte', 0), ('spend_settled_micros__gte', 0), ('videos__gte', 0)), name='videos_quotausage_not_negative'),
                ),
                migrations.AddIndex(
                    model_name='quotacharge',
                    index=models.Index(fields=['created_at'], name='videos_charge_created_idx'),
                ),
                migrations.AddConstraint(
                    model_name='quotacharge',
                    constraint=models.CheckConstraint(condition=models.Q(('cost_micros__gte', 0)), name='videos_quotacharge_cost_not_negative'),
                ),
                migrations.AddConstraint(
                    model_name='quotacharge',
                    constraint=models.CheckConstraint(condition=models.Q(('state__in', ['reserved', 'settled', 'refunded'])), name='videos_quotacharge_state_valid'),
                ),
            ],
        ),
    ]
