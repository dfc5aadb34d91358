"""The job log moves from attendance to core; its table, its rows and its admin history stay.

The table ``attendance_attendancecronlog`` was created by attendance's migration 0004 and is
kept as it is: this migration only records the model in core's state (``db_table`` names the
table), and attendance's migration 0008 drops it from attendance's state. Nothing is copied.
The content type (and with it the admin's log entries and any permissions granted) is
renamed to the new model, so nothing pointing at it is orphaned.
"""

from django.db import migrations, models

OLD = ("attendance", "attendancecronlog")
NEW = ("core", "joblog")


def _rename_content_type(apps, schema_editor, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    types = ContentType.objects.using(db)
    old = types.filter(app_label=source[0], model=source[1]).first()
    if old is None or types.filter(app_label=target[0], model=target[1]).exists():
        return
    old.app_label, old.model = target
    old.save(update_fields=["app_label", "model"])
    for permission in Permission.objects.using(db).filter(content_type=old):
        verb = permission.codename.split("_", 1)[0]
        permission.codename = f"{verb}_{target[1]}"
        permission.save(update_fields=["codename"])


def forwards(apps, schema_editor):
    _rename_content_type(apps, schema_editor, OLD, NEW)


def backwards(apps, schema_editor):
    _rename_content_type(apps, schema_editor, NEW, OLD)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("attendance", "0007_audit_changes_as_json"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="JobLog",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("job_name", models.CharField(db_index=True, max_length=80, verbose_name="job")),
                        ("run_date", models.DateField(blank=True, null=True, verbose_name="for date")),
                        ("started_at", models.DateTimeField(verbose_name="started at")),
                        ("finished_at", models.DateTimeField(verbose_name="finished at")),
                        (
                            "status",
                            models.CharField(
                                choices=[("success", "Success"), ("failed", "Failed"), ("skipped", "Skipped")],
                                max_length=8,
                                verbose_name="status",
                            ),
                        ),
                        ("counts", models.JSONField(blank=True, default=dict, verbose_name="counts")),
                        ("error", models.TextField(blank=True, verbose_name="error")),
                    ],
                    options={
                        "verbose_name": "job run",
                        "verbose_name_plural": "job runs",
                        "db_table": "attendance_attendancecronlog",
                        "ordering": ["-started_at", "-id"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("status__in", ["success", "failed", "skipped"])),
                                name="cron_log_status_valid",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
