"""The LinkedIn Learning schedule: every Pacific morning, yesterday and the three days before it."""

import dagster as dg

from learning_platform.defs.common import (
    days_before,
    default_schedule_status,
    partition_range_request,
)
from learning_platform.defs.linkedin_learning.jobs import linkedin_learning_daily
from learning_platform.defs.linkedin_learning.partitions import daily_partitions
from learning_platform.lib.windows import PACIFIC

SCHEDULE_NAME = "linkedin_learning_daily_schedule"
# Yesterday, and a trailing re-pull of the three days before it: LinkedIn's metrics are aggregates
# that can still change for a few days (upstreams.md §1.8). Four days: one run, well under the 14
# days a run may hold, each day still one API call per aggregation.
DAYS_PER_TICK = 4


# 07:00 Pacific, in Pacific time so that daylight saving moves nothing: LinkedIn stamps a complete
# day 23:59 Pacific but publishes no SLA for when that batch lands, so the run waits the night for
# it, and still lands before the US working day. A day that is not final by then is re-pulled by
# the late-data sensor once LinkedIn's latestDataAt passes its end.
@dg.schedule(
    name=SCHEDULE_NAME,
    cron_schedule="0 7 * * *",
    execution_timezone=PACIFIC.key,
    job=linkedin_learning_daily,
    default_status=default_schedule_status(),
    description=(
        "Every day at 07:00 Pacific: one run of linkedin_learning_daily over yesterday's Pacific "
        "day and the three days before it (LinkedIn's aggregates can change for a few days)."
    ),
)
def linkedin_learning_daily_schedule(context: dg.ScheduleEvaluationContext):
    scheduled_at = context.scheduled_execution_time
    days = days_before(scheduled_at, daily_partitions, DAYS_PER_TICK)
    if not days:
        return dg.SkipReason(
            f"no LinkedIn partition has ended yet: they start on {daily_partitions.start.date()}"
        )
    # One run per scheduled day, however often the tick is evaluated again.
    run_key = f"daily@{scheduled_at.astimezone(PACIFIC).date().isoformat()}"
    return partition_range_request(days[0].isoformat(), days[-1].isoformat(), run_key)
