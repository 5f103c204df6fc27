"""Blocking checks on the staged LinkedIn streams: vocabularies known, natural keys present and unique.

A failure stops the table load in the same run, keeps the staged rows, and names every unknown
value with its count and a few sample rows.
"""

import dagster as dg

from learning_platform.defs.linkedin_learning.assets import SOURCE, staged_reader
from learning_platform.defs.linkedin_learning.vocabulary_rules import RULES, check_vocabulary
from learning_platform.defs.staging import StagingStore
from learning_platform.lib.linkedin_learning import records as linkedin_records
from learning_platform.lib.linkedin_learning.records import Aggregation
from learning_platform.lib.validation import Finding, keys_present_and_unique

KEYS_CHECK = "keys_present_and_unique"


def _result(
    staged_key: dg.AssetKey, check_name: str, finding: Finding, partitions: list[str]
) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=staged_key,
        check_name=check_name,
        passed=finding.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=finding.summary,
        metadata={"partitions": partitions, "summary": finding.summary, **finding.details},
    )


def build_linkedin_checks(aggregation: Aggregation) -> dg.AssetChecksDefinition:
    staged_key = dg.AssetKey([SOURCE, f"{aggregation.stream}_staged"])
    specs = [
        dg.AssetCheckSpec(
            rule.check_name,
            asset=staged_key,
            blocking=True,
            description=f"Every {rule.label} is one lib/vocabulary.py knows.",
        )
        for rule in RULES
    ] + [
        dg.AssetCheckSpec(
            KEYS_CHECK,
            asset=staged_key,
            blocking=True,
            description=f"Natural key ({', '.join(aggregation.key_columns)}) present on every row and unique.",
        )
    ]

    @dg.multi_asset_check(
        specs=specs,
        name=f"{SOURCE}_{aggregation.stream}_staged_checks",
        description=f"Vocabulary and key checks of the staged {aggregation.label} report.",
    )
    def staged_checks(context: dg.AssetCheckExecutionContext, staging: StagingStore):
        operation = context.op_execution_context
        partitions = (
            list(operation.partition_keys)
            if operation.has_partition_key_range
            else [operation.partition_key]
        )
        staged = staged_reader(staging, aggregation, partitions)
        for rule in RULES:
            yield _result(
                staged_key, rule.check_name, check_vocabulary(staged, aggregation, rule), partitions
            )
        yield _result(
            staged_key,
            KEYS_CHECK,
            keys_present_and_unique(staged, aggregation.key_columns),
            partitions,
        )

    return staged_checks


linkedin_checks = [
    build_linkedin_checks(aggregation) for aggregation in linkedin_records.AGGREGATIONS
]
