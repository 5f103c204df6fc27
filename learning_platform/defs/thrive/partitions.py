"""Thrive partitions: one UTC day each."""

import dagster as dg

from learning_platform import settings

# Thrive stamps records in UTC, and its date filters are read as UTC: partitions are UTC days.
# The newest partition is yesterday's: today is still being written.
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=settings.env(settings.THRIVE_START_DATE) or settings.DEFAULT_THRIVE_START_DATE,
    timezone="UTC",
)

# Thrive has no window cap; a month of days per run keeps a year's backfill to a dozen runs while
# each day is still fetched, staged and replaced on its own.
DAYS_PER_RUN = 31
backfill_policy = dg.BackfillPolicy.multi_run(max_partitions_per_run=DAYS_PER_RUN)

# Every call to the Thrive API goes through this pool (limit in dagster.yaml): Thrive publishes
# no rate limit, so steps take turns rather than race each other into 429s.
THRIVE_API_POOL = "thrive_api"
