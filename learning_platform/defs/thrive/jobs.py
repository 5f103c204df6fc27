"""The Thrive jobs: the daily streams for a range of UTC days, and the users snapshot."""

import dagster as dg

from learning_platform.defs.thrive.assets import USERS
from learning_platform.defs.thrive.checks import thrive_checks
from learning_platform.lib.thrive.stage import SOURCE

_users = dg.AssetSelection.assets(USERS.staged_key, USERS.table_key)

thrive_daily = dg.define_asset_job(
    "thrive_daily",
    # The streams and the checks of their staged data. Not the freshness checks: they are about
    # the clock, not the run's days, and their own sensor evaluates them.
    selection=(
        dg.AssetSelection.groups(SOURCE).without_checks() | dg.AssetSelection.checks(*thrive_checks)
    )
    - _users,
    description="Stage, check and load Thrive activity records and CPD entries for the chosen UTC days.",
)
thrive_users = dg.define_asset_job(
    "thrive_users",
    selection=_users,
    description="Take a snapshot of the Thrive users, check it and load it.",
)
