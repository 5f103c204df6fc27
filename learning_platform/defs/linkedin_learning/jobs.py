"""The LinkedIn Learning job: every stream and its checks, for a range of Pacific days."""

import dagster as dg

from learning_platform.defs.linkedin_learning.assets import SOURCE

linkedin_learning_daily = dg.define_asset_job(
    "linkedin_learning_daily",
    selection=dg.AssetSelection.groups(SOURCE),
    description="Stage, check and load every LinkedIn Learning report for the chosen Pacific days.",
)
