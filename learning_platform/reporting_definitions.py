"""The reporting layer's code location: `defs/reporting/` (the learner directory, the dbt marts and
what refreshes them), with the resources the sources share. Apart from the sources' location so
that their runs never load dbt (`defs/shared/locations.py`)."""

import dagster as dg

from learning_platform.definitions import REPORTING_FOLDERS, load, settled


@dg.definitions
def defs() -> dg.Definitions:
    return settled(load(REPORTING_FOLDERS))
