"""Blocking checks on each staged Thought Industries export: Type known, (Type, Source) a
documented pair, every part of the natural key present.

A failure stops the load of that file in the same run and leaves the table untouched; its
metadata names the file, the line numbers and the values (never an e-mail).
"""

import dagster as dg

from learning_platform.defs.staging import StagingStore
from learning_platform.defs.thought_industries.assets import (
    RULES,
    SOURCE,
    STAGED_KEY,
    STREAM,
    findings,
)


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            rule.check_name, asset=STAGED_KEY, blocking=True, description=rule.description
        )
        for rule in RULES
    ],
    name=f"{SOURCE}_{STREAM}_staged_checks",
    description="Checks of a staged Thought Industries content-actions export.",
)
def content_actions_staged_checks(context: dg.AssetCheckExecutionContext, staging: StagingStore):
    file_name = context.op_execution_context.partition_key
    for rule, finding in findings(staging, file_name):
        yield dg.AssetCheckResult(
            asset_key=STAGED_KEY,
            check_name=rule.check_name,
            passed=finding.passed,
            severity=dg.AssetCheckSeverity.ERROR,
            description=finding.summary,
            metadata={"file": file_name, "summary": finding.summary, **finding.details},
        )


thought_industries_checks = [content_actions_staged_checks]
