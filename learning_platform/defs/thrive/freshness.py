"""Freshness of the Thrive daily tables: yesterday's UTC day is loaded by 06:00 UTC."""

from learning_platform.defs.shared.automation import partition_freshness
from learning_platform.defs.thrive.assets import STREAMS

# Four hours after the 02:00 UTC schedule: room for its run, a step retry or two, and a wait in
# the thrive_api pool. From 06:00 UTC on, yesterday's partition must have been materialized. The
# users snapshot is not partitioned: its schedule is its freshness.
DEADLINE_CRON = "0 6 * * *"

thrive_freshness_checks, thrive_freshness_sensor = partition_freshness(
    [stream.table_key for stream in STREAMS.values()],
    deadline_cron=DEADLINE_CRON,
    timezone="UTC",
    sensor_name="thrive_freshness_sensor",
)
