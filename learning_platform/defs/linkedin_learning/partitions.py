"""LinkedIn Learning partitions: one Pacific day each, backfilled at most 14 days per run."""

import dagster as dg

from learning_platform import settings
from learning_platform.lib.windows import MAX_DAYS_PER_RUN, PACIFIC

# LinkedIn counts days (DAYS_ACTIVE, its admin reports) from 12am Pacific, so partitions are
# Pacific days. The newest partition is yesterday: today's data is not complete until tomorrow.
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=settings.env(settings.LINKEDIN_START_DATE) or settings.DEFAULT_LINKEDIN_START_DATE,
    timezone=PACIFIC.key,
)

# A backfill runs up to 14 daily partitions per run, the API's window cap, while each API call
# still asks for exactly one day: the metrics are aggregates over their window, so a wider window
# would lose the daily grain.
backfill_policy = dg.BackfillPolicy.multi_run(max_partitions_per_run=MAX_DAYS_PER_RUN)

# Every call to the LinkedIn API goes through this pool; its limit (dagster.yaml) bounds how many
# steps fetch at once, whatever the backfill launches.
LINKEDIN_API_POOL = "linkedin_api"
