"""How the directory and the marts keep themselves current: declarative automation that refreshes
them after their inputs change, and never while a blocking check upstream is failing."""

import dagster as dg

from learning_platform import settings

GROUP = "reporting"

# Dagster's eager() alone would refresh a mart as soon as a warehouse table changed, whatever the
# checks upstream of that table said, and it waits for *every* partition of a partitioned input to
# exist, which a source that starts in 2025 never satisfies. So: refresh when an input updated (or
# the mart is new, or its SQL changed), once nothing upstream is in progress, and only while the
# blocking checks of the inputs and of the inputs' own inputs (the staged data the source checks
# guard) pass.
refresh_after_inputs = (
    (
        dg.AutomationCondition.newly_missing()
        | dg.AutomationCondition.any_deps_updated()
        | dg.AutomationCondition.code_version_changed()
    ).since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
    & dg.AutomationCondition.all_deps_blocking_checks_passed()
    & dg.AutomationCondition.all_deps_match(
        dg.AutomationCondition.all_deps_blocking_checks_passed()
    )
).with_label("refresh after inputs change, while upstream blocking checks pass")

reporting_automation = dg.AutomationConditionSensorDefinition(
    "reporting_automation",
    target=dg.AssetSelection.groups(GROUP),
    default_status=(
        dg.DefaultSensorStatus.RUNNING
        if settings.automation_on()
        else dg.DefaultSensorStatus.STOPPED
    ),
    minimum_interval_seconds=60,
    description="Refreshes the learner directory and the reporting marts after their inputs change.",
)
