"""The Thought Industries job: stage, check and load one dropped export (one partition)."""

import dagster as dg

from learning_platform.lib.thought_industries.stage import SOURCE

thought_industries_drops = dg.define_asset_job(
    "thought_industries_drops",
    selection=dg.AssetSelection.groups(SOURCE),
    description="Stage, check and load one dropped Thought Industries content-actions export.",
)
