"""The one blocking-check contract: a staged stream's rules become its blocking checks, and the
same rules are its table asset's last guard.

A failed check stops the table load in the same run, keeps the staged rows, and names every bad
value with its count and a few sample rows (never an e-mail or a name: each rule's samples say
which columns they show).
"""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import dagster as dg
import psycopg
import sqlalchemy as sa

from learning_platform.defs.shared.metadata import partitions_label
from learning_platform.defs.shared.resources import StagingStore
from learning_platform.lib import markdown
from learning_platform.lib.staging import StagingArea
from learning_platform.lib.validation import Finding, Rows, Rule, sample_tables
from learning_platform.lib.warehouse import loads


@dataclass(frozen=True)
class StagedStream:
    """A staged stream as its checks and its table's last guard see it."""

    source: str
    name: str
    part: str  # the staged file the rules read
    rules: tuple[Rule, ...]
    table: sa.Table
    checks_description: str
    # One partition per dropped file: results name the file, not partitions.
    per_file: bool = False
    # The staged partition of a stream that is not partitioned (a snapshot), if it is one.
    snapshot: str | None = None
    # Every staged file of a partition (besides `part`: details, rejects), for the NUL check.
    other_parts: tuple[str, ...] = ()
    # Warehouse tables loaded from another staged file than `part`, by name (if named otherwise).
    other_tables: Mapping[str, str] = field(default_factory=dict)

    @property
    def staged_key(self) -> dg.AssetKey:
        return dg.AssetKey([self.source, f"{self.name}_staged"])

    @property
    def table_key(self) -> dg.AssetKey:
        return dg.AssetKey([self.source, self.name])

    def rows(self, area: StagingArea, partition_keys: Sequence[str]) -> Rows:
        return area.reader(self.source, self.name, self.part, partition_keys)

    def staged_ids(self, area: StagingArea, partition_keys: Sequence[str]) -> dict[str, str | None]:
        """The id each file the rules read was written with, by partition: what checks ran on."""
        return {
            key: area.staged_id(self.source, self.name, key, self.part) for key in partition_keys
        }

    def partition_keys(self, context: dg.OpExecutionContext) -> list[str]:
        """The staged partitions a check or a load of this run covers."""
        if self.snapshot is not None:
            return [self.snapshot]
        if context.has_partition_key_range:
            return list(context.partition_keys)
        return [context.partition_key]

    def not_loaded(self, partition_keys: Sequence[str]) -> str:
        """What a refused or failed load did not load: the table, and the days or the file."""
        if self.per_file:
            return f"{self.table.fullname} not loaded from {partition_keys[0]}"
        if self.snapshot is not None:
            return f"{self.table.fullname} not loaded"
        return f"{self.table.fullname} {partitions_label(partition_keys)} not loaded"

    def part_loaded_into(self, table_name: str) -> str | None:
        """The staged file a warehouse table of this stream is loaded from."""
        if table_name == self.table.name:
            return self.part
        if table_name in self.other_parts:
            return table_name
        return self.other_tables.get(table_name)

    def findings(
        self, area: StagingArea, partition_keys: Sequence[str]
    ) -> list[tuple[Rule, Finding]]:
        rows = self.rows(area, partition_keys)
        return [(rule, rule.run(rows)) for rule in self.rules]


NUL_CHECK = "no_nul_characters"
# A check result's metadata: the staged files its rule ran on, by partition, as their ids.
STAGED_IDS = "staged_file_ids"


def nul_replacements_found(
    stream: StagedStream, area: StagingArea, partition_keys: Sequence[str]
) -> list[dict]:
    """Where staging replaced NUL characters in these partitions: partition, file, field, how many
    and which records (ids or lines, never values)."""
    found = []
    for key in partition_keys:
        for part in (stream.part, *stream.other_parts):
            replaced = area.nul_replacements(stream.source, stream.name, key, part)
            for column, characters in sorted(replaced.characters.items()):
                records = replaced.records.get(column, [])
                found.append(
                    {
                        "partition": key,
                        "file": part,
                        "field": column,
                        "characters": characters,
                        "records": records,
                    }
                )
    return found


def _nul_check_result(
    stream: StagedStream, area: StagingArea, partition_keys: Sequence[str]
) -> dg.AssetCheckResult:
    found = nul_replacements_found(stream, area, partition_keys)
    if not found:
        summary = "no text or JSON field held a NUL character"
    else:
        total = sum(item["characters"] for item in found)
        where = "; ".join(
            f"{item['partition']} {item['file']}.{item['field']} in {', '.join(item['records'][:3])}"
            + (" and more" if len(item["records"]) > 3 else "")
            for item in found[:5]
        )
        summary = (
            f"{total} NUL character(s) replaced with U+FFFD (PostgreSQL stores none), the rest of "
            f"each record loaded: {where}"
        )
    table = markdown.table(
        ["partition", "file", "field", "NUL characters", "records"],
        [
            [item["partition"], item["file"], item["field"], item["characters"], item["records"]]
            for item in found
        ],
    )
    return dg.AssetCheckResult(
        asset_key=stream.staged_key,
        check_name=NUL_CHECK,
        passed=not found,
        severity=dg.AssetCheckSeverity.WARN,
        description=summary,
        metadata={
            "summary": summary,
            "replaced": dg.MetadataValue.md(table) if found else dg.MetadataValue.md("none"),
            "characters_replaced": sum(item["characters"] for item in found),
        },
    )


def samples_markdown(finding: Finding) -> dg.MetadataValue:
    """A finding's samples as the UI shows them: markdown tables of the unknown values with their
    counts and sample rows, the failing rows, the repeated keys (ids and values, never an e-mail:
    each rule's samples name their columns, and the tables hide any address that slipped in). The
    same samples stay below as JSON, for tools."""
    if finding.passed:
        return dg.MetadataValue.md(f"Nothing to show: {finding.summary}.")
    sections = [
        (f"**{markdown.cell(table.caption)}**\n\n" if table.caption else "")
        + markdown.table(table.columns, table.rows)
        for table in sample_tables(finding.details)
    ]
    return dg.MetadataValue.md("\n\n".join(sections) or markdown.cell(finding.summary))


def build_staged_checks(stream: StagedStream) -> dg.AssetChecksDefinition:
    """The blocking checks of a staged stream, one per rule, and a warning check that names the
    records whose NUL characters staging replaced; all run together over the run's partitions."""
    staged_key = stream.staged_key

    @dg.multi_asset_check(
        specs=[
            dg.AssetCheckSpec(
                rule.check_name, asset=staged_key, blocking=True, description=rule.description
            )
            for rule in stream.rules
        ]
        + [
            dg.AssetCheckSpec(
                NUL_CHECK,
                asset=staged_key,
                blocking=False,
                description=(
                    "No text or JSON field held a NUL character. PostgreSQL stores none, so "
                    "staging replaces each with U+FFFD and the rest of the record loads; this "
                    "warning names the records and fields (never the values)."
                ),
            )
        ],
        name=f"{stream.source}_{stream.name}_staged_checks",
        description=stream.checks_description,
    )
    def staged_checks(context: dg.AssetCheckExecutionContext, staging: StagingStore):
        keys = stream.partition_keys(context.op_execution_context)
        # Read before the rules read the files: a file staged again in between has another id
        # than the one recorded, and the table's last guard reads it again.
        checked = dg.MetadataValue.json(stream.staged_ids(staging.area, keys))
        for rule, finding in stream.findings(staging.area, keys):
            if stream.per_file:
                summary = f"{keys[0]}: {finding.summary}"
                scope = {"file": keys[0]}
            else:
                summary = finding.summary
                scope = {"partitions": keys}
            yield dg.AssetCheckResult(
                asset_key=staged_key,
                check_name=rule.check_name,
                passed=finding.passed,
                severity=dg.AssetCheckSeverity.ERROR,
                description=summary,
                metadata={
                    **scope,
                    "summary": summary,
                    "samples_table": samples_markdown(finding),
                    **finding.details,
                    STAGED_IDS: checked,
                },
            )
        yield _nul_check_result(stream, staging.area, keys)

    return staged_checks


def refuse_unless_valid(
    stream: StagedStream,
    staging: StagingStore,
    partition_keys: Sequence[str],
    context: dg.AssetExecutionContext,
) -> None:
    """The table asset's last guard. A blocking check stops the table load only when both run
    together; a run that selects the table alone must not load what the checks would refuse.

    Files that every rule's check passed on earlier in this run, and that were not staged again
    since (the ids they were written with are the ones the checks recorded), are not read again:
    for a 1M-row LinkedIn day that was 0.7 s of the load's step (the checks' own step, which reads
    the same, takes 0.6 s at 1M rows and 3 s at 5M).
    """
    if _checked_in_this_run(stream, staging.area, partition_keys, context):
        context.log.info(
            f"{stream.staged_key.to_user_string()}: every blocking check passed on these staged "
            "files earlier in this run; not read again"
        )
        return
    for rule, finding in stream.findings(staging.area, partition_keys):
        if finding.passed:
            continue
        raise dg.Failure(
            description=(
                f"{stream.not_loaded(partition_keys)}: {finding.summary} "
                f"(check {rule.check_name} on {stream.staged_key.to_user_string()})"
            ),
            allow_retries=False,
        )


def _checked_in_this_run(
    stream: StagedStream,
    area: StagingArea,
    partition_keys: Sequence[str],
    context: dg.AssetExecutionContext,
) -> bool:
    ids = stream.staged_ids(area, partition_keys)
    if None in ids.values():
        return False
    evaluations = context.instance.get_records_for_run(
        context.run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    passed = set()
    for record in evaluations:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        checked = evaluation.metadata.get(STAGED_IDS)
        if (
            evaluation.asset_key == stream.staged_key
            and evaluation.passed
            and checked is not None
            and checked.value == ids
        ):
            passed.add(evaluation.check_name)
    return all(rule.check_name in passed for rule in stream.rules)


@contextmanager
def load_failures_named(
    stream: StagedStream, staging: StagingStore, partition_keys: Sequence[str]
) -> Iterator[None]:
    """Around a load: data PostgreSQL refuses fails the step for good (loading it again would
    fail again), naming the table, the days or file, and the record PostgreSQL stopped at; never
    the values it quotes. A connection or lock failure is raised as it is, for the retry policy."""
    try:
        yield
    except psycopg.Error as error:
        if not loads.is_data_error(error):
            raise
        where = ""
        position = loads.copy_position(error)
        part = stream.part_loaded_into(position.table) if position is not None else None
        if part is not None:
            # In a table partitioned by day, each day's rows are counted from its own first (a
            # day's partition key is its ISO date).
            day = position.day.isoformat() if position.day else None
            keys = [day] if day in partition_keys else partition_keys
            record = staging.area.describe_row(stream.source, stream.name, part, keys, position.row)
            where = f", at {record}"
        raise dg.Failure(
            description=f"{stream.not_loaded(partition_keys)}: {loads.describe_error(error)}{where}",
            allow_retries=False,
        ) from None
