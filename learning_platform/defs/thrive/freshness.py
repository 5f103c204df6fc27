"""Freshness of the Thrive daily tables: yesterday's UTC day is loaded by 06:00 UTC."""

import dagster as dg

from learning_platform.defs.common import partition_freshness
from learning_platform.defs.thrive.assets import SOURCE
from learning_platform.lib.thrive import records as thrive_records

# Four hours after the 02:00 UTC schedule: room for its run, a step retry or two, and a wait in
# the thrive_api pool. From 06:00 UTC on, yesterday's partition must have been materialized. The
# users snapshot is not partitioned: its schedule is its freshness.
DEADLINE_CRON = "0 6 * * *"

thrive_freshness_checks, thrive_freshness_sensor = partition_freshness(
    [dg.AssetKey([SOURCE, stream.name]) for stream in thrive_records.DAY_STREAMS],
    deadline_cron=DEADLINE_CRON,
    timezone="UTC",
    sensor_name="thrive_freshness_sensor",
)
