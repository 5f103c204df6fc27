"""Blocking checks on the staged Thrive streams: verbs and user vocabularies known, ids
well-formed, keys present and unique, CPD durations whole and not negative.

A failure stops the table load in the same run, keeps the staged rows, and names every bad value
with its count and a few sample rows (ids, verbs and times: never an e-mail or a name).
"""

import dagster as dg

from learning_platform.defs.staging import StagingStore
from learning_platform.defs.thrive.assets import SNAPSHOT, SOURCE, USERS_STREAM, staged_reader
from learning_platform.defs.thrive.validations import RULES, Rule
from learning_platform.lib.thrive import records as thrive_records


def _specs(staged_key: dg.AssetKey, rules: tuple[Rule, ...]) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            rule.check_name, asset=staged_key, blocking=True, description=rule.description
        )
        for rule in rules
    ]


def _results(staged_key, rules, rows, partitions: list[str]):
    for rule in rules:
        finding = rule.run(rows)
        yield dg.AssetCheckResult(
            asset_key=staged_key,
            check_name=rule.check_name,
            passed=finding.passed,
            severity=dg.AssetCheckSeverity.ERROR,
            description=finding.summary,
            metadata={"partitions": partitions, "summary": finding.summary, **finding.details},
        )


def build_day_stream_checks(stream_name: str) -> dg.AssetChecksDefinition:
    staged_key = dg.AssetKey([SOURCE, f"{stream_name}_staged"])
    rules = RULES[stream_name]

    @dg.multi_asset_check(
        specs=_specs(staged_key, rules),
        name=f"{SOURCE}_{stream_name}_staged_checks",
        description=f"Checks of the staged Thrive {stream_name}.",
    )
    def staged_checks(context: dg.AssetCheckExecutionContext, staging: StagingStore):
        operation = context.op_execution_context
        partitions = (
            list(operation.partition_keys)
            if operation.has_partition_key_range
            else [operation.partition_key]
        )
        yield from _results(
            staged_key, rules, staged_reader(staging, stream_name, partitions), partitions
        )

    return staged_checks


users_staged_key = dg.AssetKey([SOURCE, f"{USERS_STREAM}_staged"])


@dg.multi_asset_check(
    specs=_specs(users_staged_key, RULES[USERS_STREAM]),
    name=f"{SOURCE}_{USERS_STREAM}_staged_checks",
    description="Checks of the staged Thrive users snapshot.",
)
def users_staged_checks(staging: StagingStore):
    yield from _results(
        users_staged_key,
        RULES[USERS_STREAM],
        staged_reader(staging, USERS_STREAM, [SNAPSHOT]),
        [SNAPSHOT],
    )


thrive_checks = [build_day_stream_checks(stream.name) for stream in thrive_records.DAY_STREAMS] + [
    users_staged_checks
]
