"""The LinkedIn Learning schedule: every Pacific morning, yesterday and the three days before it."""

from learning_platform.defs.linkedin_learning.jobs import linkedin_learning_daily
from learning_platform.defs.linkedin_learning.partitions import daily_partitions
from learning_platform.defs.shared.automation import daily_range_schedule

SCHEDULE_NAME = "linkedin_learning_daily_schedule"
# Yesterday, and a trailing re-pull of the three days before it: LinkedIn's metrics are aggregates
# that can still change for a few days (upstreams.md §1.8). Four days: one run, well under the 14
# days a run may hold, each day still one API call per aggregation.
DAYS_PER_TICK = 4

# 07:00 Pacific: LinkedIn stamps a complete day 23:59 Pacific but publishes no SLA for when that
# batch lands, so the run waits the night for it, and still lands before the US working day. A day
# that is not final by then is re-pulled by the late-data sensor once LinkedIn's latestDataAt passes
# its end.
linkedin_learning_daily_schedule = daily_range_schedule(
    name=SCHEDULE_NAME,
    cron_schedule="0 7 * * *",
    job=linkedin_learning_daily,
    partitions_def=daily_partitions,
    days_per_tick=DAYS_PER_TICK,
    source_label="LinkedIn",
    description=(
        "Every day at 07:00 Pacific: one run of linkedin_learning_daily over yesterday's Pacific "
        "day and the three days before it (LinkedIn's aggregates can change for a few days)."
    ),
)
