"""The LinkedIn Learning job: every stream and its checks, for a range of Pacific days."""

import dagster as dg

from learning_platform.defs.linkedin_learning.checks import linkedin_checks
from learning_platform.lib.linkedin_learning.stage import SOURCE

linkedin_learning_daily = dg.define_asset_job(
    "linkedin_learning_daily",
    # The streams and the checks of their staged data. Not the freshness checks: they are about
    # the clock, not the run's days, and their own sensor evaluates them.
    selection=dg.AssetSelection.groups(SOURCE).without_checks()
    | dg.AssetSelection.checks(*linkedin_checks),
    description="Stage, check and load every LinkedIn Learning report for the chosen Pacific days.",
)
