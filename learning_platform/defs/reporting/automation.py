"""How the directory and the marts keep themselves current: declarative automation that refreshes
them after their inputs change, and never while a blocking check upstream is failing."""

import dagster as dg

from learning_platform.defs.shared.automation import default_sensor_status

GROUP = "reporting"

# A blocking check that ran and failed, on an input or on an input's own input (the staged data the
# source checks guard). A check that never ran is not failing: a source not yet delivered (no
# Thought Industries drop so far) must not hold the other sources' marts back.
no_failing_blocking_check = dg.AutomationCondition.all_checks_match(
    ~dg.AutomationCondition.check_failed(), blocking_only=True
).with_label("no failing blocking check")

# Dagster's eager() alone would refresh a mart as soon as a warehouse table changed, whatever the
# checks upstream of that table said, and it waits for *every* partition of a partitioned input to
# exist, which a source that starts in 2025 never satisfies. So: refresh when an input updated (or
# the mart became missing, or its SQL changed), once nothing upstream is in progress, and only
# while Dagster's all_deps_blocking_checks_passed() holds for the inputs and no blocking check
# upstream of them is failing.
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
        dg.AutomationCondition.all_deps_match(no_failing_blocking_check).with_label(
            "no failing blocking check upstream"
        )
    )
).with_label("refresh after inputs change, never past a failing blocking check")

# A dbt test runs with the model it tests: requested in the same tick, so that a mart downstream of a
# model with blocking tests is refreshed in the same run (Dagster's all_deps_blocking_checks_passed()
# counts a check requested on this tick; a failing test still stops the mart inside the run).
run_with_its_model = dg.AutomationCondition.any_deps_match(
    dg.AutomationCondition.will_be_requested()
).with_label("run with the model it tests")

# The seed of canonical activities has no inputs: it is built while it is missing (a new
# deployment's first tick), and again when lib/vocabulary.py changes (its code version).
build_while_missing_or_changed = (
    (dg.AutomationCondition.missing() | dg.AutomationCondition.code_version_changed())
    & ~dg.AutomationCondition.in_progress()
).with_label("build while missing, or after the vocabulary changed")

reporting_automation = dg.AutomationConditionSensorDefinition(
    "reporting_automation",
    target=dg.AssetSelection.groups(GROUP),
    default_status=default_sensor_status(),
    minimum_interval_seconds=60,
    description="Refreshes the learner directory and the reporting marts after their inputs change.",
)
