"""Freshness of the LinkedIn tables: yesterday's Pacific day is loaded by 11:00 Pacific."""

from learning_platform.defs.linkedin_learning.assets import STREAMS
from learning_platform.defs.shared.automation import partition_freshness
from learning_platform.lib.windows import PACIFIC

# Four hours after the 07:00 Pacific schedule: room for its run, a step retry or two, and a wait
# in the linkedin_api pool. From 11:00 on, yesterday's partition must have been materialized.
DEADLINE_CRON = "0 11 * * *"

linkedin_freshness_checks, linkedin_freshness_sensor = partition_freshness(
    [stream.table_key for stream in STREAMS.values()],
    deadline_cron=DEADLINE_CRON,
    timezone=PACIFIC.key,
    sensor_name="linkedin_learning_freshness_sensor",
)
