"""The job log's model now lives in core (core's migration 0001 took it over, table and
rows included): drop it from attendance's state only, never the table."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0007_audit_changes_as_json"),
        ("core", "0001_job_log"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AttendanceCronLog")],
            database_operations=[],
        ),
    ]
