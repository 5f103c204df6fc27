"""The reporting job: the learner directory and every mart, rebuilt from the warehouse as it is."""

import dagster as dg

from learning_platform.defs.reporting.automation import GROUP

reporting_refresh = dg.define_asset_job(
    "reporting_refresh",
    selection=dg.AssetSelection.groups(GROUP),
    description="Rebuild the learner directory and every reporting mart (automation does this "
    "after the inputs change; run it by hand for a first build or after a fix).",
)
