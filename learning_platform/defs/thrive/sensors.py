"""The Thrive sensor: each day of a failed ranged run of the daily streams runs again on its own."""

from learning_platform.defs.shared.days_alone import days_alone_sensor
from learning_platform.defs.thrive.jobs import thrive_daily
from learning_platform.defs.thrive.partitions import daily_partitions
from learning_platform.lib.thrive.stage import SOURCE

thrive_days_alone = days_alone_sensor(
    name="thrive_days_alone",
    source=SOURCE,
    job=thrive_daily,
    partitions_def=daily_partitions,
)
