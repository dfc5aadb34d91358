"""The job log's move from attendance to core keeps its table, its rows and its content
type: migrate back to before the move, write a row with the old model, migrate forward and
read it with the new one."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase
from django.utils import timezone

BEFORE = [("attendance", "0007_audit_changes_as_json"), ("core", None)]
AFTER = [("attendance", "0008_job_log_moves_to_core"), ("core", "0001_job_log")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    nodes = [target for target in targets if target[1] is not None]
    return executor.loader.project_state(nodes).apps


class JobLogMoveTests(TransactionTestCase):
    def tearDown(self):
        # Leave the database as every other test expects it.
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        super().tearDown()

    def test_a_row_written_before_the_move_is_read_after_it(self):
        old_apps = _migrate(BEFORE)
        ContentType = old_apps.get_model("contenttypes", "ContentType")
        old_type, _ = ContentType.objects.get_or_create(
            app_label="attendance", model="attendancecronlog"
        )
        now = timezone.now()
        old = old_apps.get_model("attendance", "AttendanceCronLog").objects.create(
            job_name="mark_absent_daily",
            run_date=now.date(),
            started_at=now,
            finished_at=now,
            status="success",
            counts={"marked": 7},
        )

        new_apps = _migrate(AFTER)
        JobLog = new_apps.get_model("core", "JobLog")
        row = JobLog.objects.get(pk=old.pk)
        self.assertEqual(
            (row.job_name, row.status, row.counts), ("mark_absent_daily", "success", {"marked": 7})
        )
        self.assertEqual(JobLog._meta.db_table, "attendance_attendancecronlog")
        # The content type was renamed, not replaced: what points at it still does.
        moved = new_apps.get_model("contenttypes", "ContentType").objects.get(pk=old_type.pk)
        self.assertEqual((moved.app_label, moved.model), ("core", "joblog"))
        # And the table takes new rows after the old ones.
        later = JobLog.objects.create(
            job_name="x", started_at=now, finished_at=now, status="failed", counts={}
        )
        self.assertGreater(later.pk, old.pk)
