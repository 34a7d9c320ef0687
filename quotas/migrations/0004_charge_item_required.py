from decimal import Decimal

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("quotas", "0003_charges_name_their_item")]

    operations = [
        migrations.RemoveField(
            model_name='quotacharge',
            name='video',
        ),
        migrations.AlterField(
            model_name='quotacharge',
            name='item_id',
            field=models.BigIntegerField(),
        ),
        migrations.AddConstraint(
            model_name='quotacharge',
            constraint=models.CheckConstraint(condition=models.Q(('cost_micros__gte', 0)), name='quotas_quotacharge_cost_not_negative'),
        ),
        migrations.AddConstraint(
            model_name='quotacharge',
            constraint=models.CheckConstraint(condition=models.Q(('state__in', ['reserved', 'settled', 'refunded'])), name='quotas_quotacharge_state_valid'),
        ),
        migrations.AddConstraint(
            model_name='quotacharge',
            constraint=models.UniqueConstraint(fields=('item_type', 'item_id'), name='quotas_quotacharge_one_per_item'),
        ),
        migrations.AddConstraint(
            model_name='quotagrant',
            constraint=models.CheckConstraint(condition=models.Q(('extra_spend__gte', 0), ('extra_spend__lte', Decimal('100000'))), name='quotas_quotagrant_spend_range'),
        ),
        migrations.AddConstraint(
            model_name='quotagrant',
            constraint=models.CheckConstraint(condition=models.Q(('extra_seconds__lte', 10000000), ('extra_videos__lte', 100000)), name='quotas_quotagrant_counts_range'),
        ),
        migrations.AddConstraint(
            model_name='quotarule',
            constraint=models.CheckConstraint(condition=models.Q(('user__isnull', True), ('project__isnull', True), _connector='OR'), name='quotas_quotarule_one_scope', violation_error_message='A rule is for a user or for a project (or, with neither, the site), not both.'),
        ),
        migrations.AddConstraint(
            model_name='quotarule',
            constraint=models.CheckConstraint(condition=models.Q(('period__in', ['day', 'week', 'month'])), name='quotas_quotarule_period_valid'),
        ),
        migrations.AddConstraint(
            model_name='quotarule',
            constraint=models.CheckConstraint(condition=models.Q(('max_videos__isnull', True), models.Q(('max_videos__gte', 0), ('max_videos__lte', 100000)), _connector='OR'), name='quotas_quotarule_max_videos_range'),
        ),
        migrations.AddConstraint(
            model_name='quotarule',
            constraint=models.CheckConstraint(condition=models.Q(('max_seconds__isnull', True), models.Q(('max_seconds__gte', 0), ('max_seconds__lte', 10000000)), _connector='OR'), name='quotas_quotarule_max_seconds_range'),
        ),
        migrations.AddConstraint(
            model_name='quotarule',
            constraint=models.CheckConstraint(condition=models.Q(('max_spend__isnull', True), models.Q(('max_spend__gte', 0), ('max_spend__lte', Decimal('100000'))), _connector='OR'), name='quotas_quotarule_max_spend_range'),
        ),
        migrations.AddConstraint(
            model_name='quotarule',
            constraint=models.CheckConstraint(condition=models.Q(('max_in_flight__isnull', True), models.Q(('max_in_flight__gte', 1), ('max_in_flight__lte', 1000)), _connector='OR'), name='quotas_quotarule_max_in_flight_range'),
        ),
        migrations.AddConstraint(
            model_name='quotarule',
            constraint=models.UniqueConstraint(condition=models.Q(('user__isnull', False)), fields=('user', 'period'), name='quotas_quotarule_one_per_user_period', violation_error_message='This user already has a rule for that period; edit it instead.'),
        ),
        migrations.AddConstraint(
            model_name='quotarule',
            constraint=models.UniqueConstraint(condition=models.Q(('project__isnull', False)), fields=('project', 'period'), name='quotas_quotarule_one_per_project_period', violation_error_message='This project already has a rule for that period; edit it instead.'),
        ),
        migrations.AddConstraint(
            model_name='quotarule',
            constraint=models.UniqueConstraint(condition=models.Q(('project__isnull', True), ('user__isnull', True)), fields=('period',), name='quotas_quotarule_one_site_default_per_period', violation_error_message='There is already a site default for that period; edit it instead.'),
        ),
        migrations.AddConstraint(
            model_name='quotausage',
            constraint=models.UniqueConstraint(condition=models.Q(('user__isnull', False)), fields=('rule', 'user', 'period_start'), name='quotas_quotausage_one_per_rule_user_period'),
        ),
        migrations.AddConstraint(
            model_name='quotausage',
            constraint=models.UniqueConstraint(condition=models.Q(('user__isnull', True)), fields=('rule', 'period_start'), name='quotas_quotausage_one_per_rule_period'),
        ),
        migrations.AddConstraint(
            model_name='quotausage',
            constraint=models.CheckConstraint(condition=models.Q(('extra_seconds__gte', 0), ('extra_spend_micros__gte', 0), ('extra_videos__gte', 0), ('seconds__gte', 0), ('spend_reserved_micros__gte', 0), ('spend_settled_micros__gte', 0), ('videos__gte', 0)), name='quotas_quotausage_not_negative'),
        ),
        migrations.AlterModelTable(
            name='quotacharge',
            table=None,
        ),
        migrations.AlterModelTable(
            name='quotagrant',
            table=None,
        ),
        migrations.AlterModelTable(
            name='quotarule',
            table=None,
        ),
        migrations.AlterModelTable(
            name='quotausage',
            table=None,
        ),
        ]
