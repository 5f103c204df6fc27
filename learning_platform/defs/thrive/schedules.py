"""The Thrive schedules: every night (UTC), the users snapshot, then yesterday and the day before."""

import dagster as dg

from learning_platform.defs.shared.automation import daily_range_schedule, default_schedule_status
from learning_platform.defs.thrive.jobs import thrive_daily, thrive_users
from learning_platform.defs.thrive.partitions import daily_partitions
from learning_platform.lib.windows import UTC

DAILY_SCHEDULE_NAME = "thrive_daily_schedule"
USERS_SCHEDULE_NAME = "thrive_users_schedule"
# Yesterday, and the day before again: Thrive writes some records late, after their own day has
# ended, and a day is replaced whole, so the second pull picks them up.
DAYS_PER_TICK = 2

# 02:00 UTC: yesterday's UTC day and the hour its query reaches past midnight (the Thrive resource's
# window overlap) have both ended, so the day is staged as complete.
thrive_daily_schedule = daily_range_schedule(
    name=DAILY_SCHEDULE_NAME,
    cron_schedule="0 2 * * *",
    job=thrive_daily,
    partitions_def=daily_partitions,
    days_per_tick=DAYS_PER_TICK,
    source_label="Thrive",
    description=(
        "Every day at 02:00 UTC: one run of thrive_daily over yesterday's UTC day and the day "
        "before it (records Thrive wrote late)."
    ),
)


# 01:00 UTC, an hour before the day's records: the snapshot that maps their user ids to people is
# then at least as new as they are.
@dg.schedule(
    name=USERS_SCHEDULE_NAME,
    cron_schedule="0 1 * * *",
    execution_timezone="UTC",
    job=thrive_users,
    default_status=default_schedule_status(),
    description="Every day at 01:00 UTC: a new snapshot of the Thrive users (thrive_users).",
)
def thrive_users_schedule(context: dg.ScheduleEvaluationContext):
    day = context.scheduled_execution_time.astimezone(UTC).date()
    return dg.RunRequest(run_key=f"users@{day.isoformat()}")
