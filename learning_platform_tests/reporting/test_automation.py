"""The marts' declarative automation: refreshed after their inputs change, never while a blocking
check upstream is failing. Evaluated as the automation sensor would, on a real instance."""

from datetime import date

import dagster as dg

from learning_platform.defs.linkedin_learning.assets import linkedin_assets
from learning_platform.defs.linkedin_learning.checks import linkedin_checks
from learning_platform.defs.reporting.assets import learner_directory
from learning_platform.defs.reporting.marts import reporting_marts
from learning_platform.defs.shared.resources import PseudonymKey
from learning_platform.defs.thought_industries.assets import thought_industries_assets
from learning_platform.defs.thought_industries.checks import thought_industries_checks
from learning_platform.defs.thrive.assets import thrive_assets
from learning_platform.defs.thrive.checks import thrive_checks
from learning_platform.lib import vocabulary

DAY, NEXT_DAY = "2026-10-05", "2026-10-06"
# What refreshes after its inputs change: the directory and the marts. The seed of canonical
# activities follows lib/vocabulary.py instead (built while missing, and when its code changes).
SEED = dg.AssetKey(["reporting", "canonical_activities"])
REPORTING = {learner_directory.key, *reporting_marts.keys} - {SEED}
# The mart built from LinkedIn's reports alone: no Thrive check stands in its way.
LINKEDIN_ONLY = {dg.AssetKey(["reporting", "content_owner_daily"])}
EVERYTHING = [
    *linkedin_assets,
    *linkedin_checks,
    *thrive_assets,
    *thrive_checks,
    *thought_industries_assets,
    *thought_industries_checks,
    learner_directory,
    reporting_marts,
]


def requested(result) -> set[dg.AssetKey]:
    return {
        evaluation.key for evaluation in result.results if evaluation.true_subset.size > 0
    } & REPORTING


def build_reporting(platform):
    result = dg.materialize(
        [learner_directory, reporting_marts],
        resources={
            "warehouse": platform.warehouse,
            "pseudonym_key": PseudonymKey(secret="automation-test-key-0123456789"),
        },
        instance=platform.instance,
    )
    assert result.success


def evaluate(platform, cursor):
    definitions = dg.Definitions(
        assets=[item for item in EVERYTHING if not isinstance(item, dg.AssetChecksDefinition)],
        asset_checks=[item for item in EVERYTHING if isinstance(item, dg.AssetChecksDefinition)],
        resources={**platform.resources, "pseudonym_key": PseudonymKey()},
    )
    return dg.evaluate_automation_conditions(
        defs=definitions,
        instance=platform.instance,
        asset_selection=dg.AssetSelection.groups("reporting"),
        cursor=cursor,
    )


def test_marts_refresh_after_inputs_change_but_not_while_an_upstream_check_fails(
    platform, sandbox, monkeypatch
):
    # As with Dagster's eager(), the evaluation that first sees the condition only takes note.
    initial = evaluate(platform, None)
    assert requested(initial) == set()
    assert SEED in {e.key for e in initial.results if e.true_subset.size > 0}  # it is missing

    assert platform.materialize(DAY).success
    assert platform.materialize_thrive(DAY).success
    assert platform.materialize_thrive().success  # the users snapshot
    first = evaluate(platform, initial.cursor)
    assert requested(first) == REPORTING  # inputs loaded and checked

    build_reporting(platform)
    settled = evaluate(platform, first.cursor)
    assert requested(settled) == set()  # nothing changed since the marts were built

    # A new Thrive day brings a verb nobody documented: its blocking check fails and the day is
    # not loaded. A LinkedIn day loads fine meanwhile, so the marts' inputs did change.
    sandbox.thrive.faults.unknown_verb(date.fromisoformat(NEXT_DAY), value="bookmarked", count=1)
    failed = platform.materialize_thrive(NEXT_DAY)
    assert not failed.success
    assert any(not e.passed for e in failed.get_asset_check_evaluations())
    assert platform.materialize(NEXT_DAY).success
    blocked = evaluate(platform, settled.cursor)
    assert requested(blocked) == LINKEDIN_ONLY
    still_blocked = evaluate(platform, blocked.cursor)
    assert requested(still_blocked) == set()

    # The vocabulary is extended (a reviewed change) and the day re-run: the checks pass, and the
    # marts refresh with both new days.
    monkeypatch.setattr(
        vocabulary, "THRIVE_ACTIVITY_TYPES", vocabulary.THRIVE_ACTIVITY_TYPES | {"bookmarked"}
    )
    monkeypatch.setitem(vocabulary.THRIVE_CANONICAL_ACTIVITY, "bookmarked", "social")
    assert platform.materialize_thrive(NEXT_DAY).success
    released = evaluate(platform, still_blocked.cursor)
    assert requested(released) == REPORTING - LINKEDIN_ONLY
