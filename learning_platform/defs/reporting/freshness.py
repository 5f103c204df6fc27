"""Freshness of the marts: every dbt model is rebuilt from the day's loads by 12:00 Pacific, an hour
after the last of its inputs is due.

The inputs change every day: the Thrive tables are due by 06:00 UTC (the night before, in Pacific
time), the LinkedIn tables by 11:00 Pacific (their schedule runs at 07:00), and Thought
Industries exports come at any time. The reporting automation (automation.py) asks for a rebuild
within a minute of any input changing, once no input is in progress, and a build takes minutes;
an hour past the LinkedIn deadline leaves room for a queued run and a step retry. So each model
must have been materialized between 07:00 and 12:00 Pacific (or since), every day.

A FreshnessPolicy, not freshness checks: Dagster's daemon (`dagster dev`, `dg dev`,
dagster-daemon) evaluates it every 30 s with no sensor to turn on, and the UI shows the model
"not evaluated" until it has been built, never passed. The tables keep their checks
(defs/shared/automation.py): a policy looks at an asset's last materialization, not at which
day a partition holds. The seed is left out: it changes only with lib/vocabulary.py.
"""

from datetime import timedelta

import dagster as dg

from learning_platform.lib.windows import PACIFIC

# An hour after the LinkedIn tables' deadline (linkedin_learning/freshness.py, 11:00 Pacific).
DEADLINE_CRON = "0 12 * * *"
# Since the LinkedIn schedule's run at 07:00 Pacific, the last of the daily loads to start.
SINCE = timedelta(hours=5)

mart_freshness = dg.FreshnessPolicy.cron(
    deadline_cron=DEADLINE_CRON, lower_bound_delta=SINCE, timezone=PACIFIC.key
)
