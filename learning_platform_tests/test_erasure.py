"""Erasing a learner present in all three sources, against the sandbox and a real PostgreSQL: no
table, staged file, reject or mart keeps them, the audit row keeps no e-mail, and pulling every
source again (and dropping the exports again) does not bring them back, while every other
learner's rows stay exactly as they were."""

import json
from datetime import date
from pathlib import Path

import dagster as dg
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from learning_platform import settings
from learning_platform.defs.erasure.jobs import erase_learner
from learning_platform.defs.reporting.assets import learner_directory
from learning_platform.defs.reporting.marts import reporting_marts
from learning_platform.defs.shared.resources import PseudonymKey
from learning_platform.lib.identity import Pseudonymizer
from learning_platform.lib.warehouse.roles import DBT_SCHEMAS
from learning_platform.lib.warehouse.tables import SCHEMAS as MIGRATED_SCHEMAS
from learning_platform_sandbox import ContentActions

SECRET = "erasure-test-key-0123456789"
DAYS = ["2026-10-05", "2026-10-06", "2026-10-07"]
SCHEMAS = (*MIGRATED_SCHEMAS, *DBT_SCHEMAS)
# Rows whose text changes with every load, whoever they belong to.
VOLATILE = ("loaded_at", "snapshot_at", "recorded_at", "built_at", "xact_id", "change_id")
# The tables whose other learners' rows must come back exactly (the aggregates do change: they
# counted the erased learner).
COMPARED = (
    "linkedin_learning.learner_activity",
    "linkedin_learning.learner_content_activity",
    "linkedin_learning.learners",
    "thrive.users",
    "thrive.activities",
    "thrive.cpd_entries",
    "thought_industries.content_actions",
    "directory.learner_identities",
    "directory.learners",
    "reporting.learning_events",
    "reporting.learner_summary",
)


@pytest.fixture
def secret(monkeypatch) -> str:
    # The loads read the key from the environment (only when someone is suppressed).
    monkeypatch.setenv(settings.PSEUDONYM_KEY, SECRET)
    return SECRET


def build_reporting(platform):
    result = dg.materialize(
        [learner_directory, reporting_marts],
        resources={"warehouse": platform.warehouse, "pseudonym_key": PseudonymKey(secret=SECRET)},
        instance=platform.instance,
    )
    assert result.success


def load_every_source(platform, organisation) -> list[dg.ExecuteInProcessResult]:
    results = [
        platform.materialize(DAYS[0], DAYS[-1]),
        platform.materialize_thrive(),
        platform.materialize_thrive(DAYS[0], DAYS[-1]),
    ]
    days = [date.fromisoformat(day) for day in DAYS]
    for path in ContentActions(organisation).write_demo_exports(platform.drops, days):
        results.append(platform.materialize_drop(path.name))
    assert all(result.success for result in results)
    return results


def someone_in_every_source(platform) -> dict:
    (row,) = platform.query(
        """
        SELECT learner_key, email, names, linkedin_learner_urns, thrive_user_ids
        FROM directory.learners
        WHERE email IS NOT NULL AND cardinality(linkedin_learner_urns) > 0
          AND cardinality(thrive_user_ids) > 0 AND in_thought_industries
        ORDER BY learner_key LIMIT 1
        """
    )
    key, email, names, urns, thrive_ids = row
    return {
        "key": key,
        "traces": [email, *names, *urns, *thrive_ids],
        "urns": urns,
        "thrive_ids": thrive_ids,
        "email": email,
    }


def text_columns(platform) -> list[tuple[str, str, str]]:
    return platform.query(
        """
        SELECT table_schema, table_name, column_name FROM information_schema.columns
        JOIN information_schema.tables USING (table_schema, table_name)
        WHERE table_schema = ANY(%s) AND table_type = 'BASE TABLE'
          AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')
        ORDER BY 1, 2, 3
        """,
        list(SCHEMAS),
    )


def traces_in_warehouse(platform, traces: list[str]) -> list[str]:
    """Every (table, column) whose text holds one of the traces, whatever its case."""
    found = []
    patterns = [f"%{trace.lower()}%" for trace in traces]
    for schema, table, column in text_columns(platform):
        (count,) = platform.query(
            f'SELECT count(*) FROM "{schema}"."{table}" WHERE lower("{column}"::text) LIKE ANY(%s)',
            patterns,
        )[0]
        if count:
            found.append(f"{schema}.{table}.{column}: {count}")
    return found


def traces_in_staging(staging: Path, traces: list[str]) -> list[str]:
    found = []
    lowered = [trace.lower() for trace in traces]
    for path in sorted(staging.rglob("*.parquet")):
        table = pq.read_table(path)
        for name in table.column_names:
            if not pa.types.is_string(table.schema.field(name).type):
                continue
            values = [value.lower() for value in table.column(name).to_pylist() if value]
            hits = sum(any(trace in value for trace in lowered) for value in values)
            if hits:
                found.append(f"{path.relative_to(staging)}:{name}: {hits}")
    return found


def others_checksums(platform, traces: list[str], keys: set[str]) -> dict[str, tuple[int, str]]:
    """Per table: the count and an ordered checksum of the rows that are not the learner's."""
    patterns = [f"%{trace.lower()}%" for trace in traces]
    removed = " - ".join(f"'{column}'" for column in VOLATILE)
    sums = {}
    for table in COMPARED:
        (sums[table],) = platform.query(
            f"""
            SELECT count(*), md5(coalesce(string_agg(row_text, '|' ORDER BY row_text), ''))
            FROM (SELECT (to_jsonb(t) - {removed})::text AS row_text FROM {table} AS t) AS rows
            WHERE NOT lower(row_text) LIKE ANY(%s)
              AND NOT row_text LIKE ANY(%s)
            """,
            patterns,
            [f"%{key}%" for key in keys],
        )
    return sums


def erase(platform, learner_key: str) -> dg.ExecuteInProcessResult:
    return erase_learner.execute_in_process(
        run_config={"ops": {"erase_from_every_store": {"config": {"learner_key": learner_key}}}},
        resources={
            "warehouse": platform.warehouse,
            "staging": platform.resources["staging"],
            "pseudonym_key": PseudonymKey(secret=SECRET),
        },
        instance=platform.instance,
    )


def test_an_erased_learner_is_gone_from_every_store_and_stays_gone(
    platform, organisation, secret, caplog
):
    load_every_source(platform, organisation)
    build_reporting(platform)
    learner = someone_in_every_source(platform)
    keys = {learner["key"]} | {
        Pseudonymizer.from_secret(SECRET).source_scoped_key(source, value)
        for source, values in (
            ("linkedin_learning", learner["urns"]),
            ("thrive", learner["thrive_ids"]),
        )
        for value in values
    }
    staging = Path(platform.resources["staging"].area.root)
    assert traces_in_warehouse(platform, learner["traces"])
    assert traces_in_staging(staging, learner["traces"])
    others_before = others_checksums(platform, learner["traces"], keys)

    result = erase(platform, learner["key"])
    assert result.success
    build_reporting(platform)

    assert traces_in_warehouse(platform, learner["traces"]) == []
    assert traces_in_staging(staging, learner["traces"]) == []
    assert platform.query(
        "SELECT count(*) FROM reporting.learner_summary WHERE learner_key = %s", learner["key"]
    ) == [(0,)]
    # The audit trail: the key, the run, the counts; never the e-mail.
    (audit,) = platform.query(
        "SELECT learner_key, run_id, completed_at IS NOT NULL, rows_removed, staged_rows_removed"
        " FROM ops.erasure_requests"
    )
    assert audit[:3] == (learner["key"], result.run_id, True)
    assert audit[3]["linkedin_learning.learner_content_activity"] > 0
    assert audit[3]["thought_industries.content_actions"] > 0
    assert audit[3]["thrive.users"] == 1
    assert sum(audit[4].values()) > 0
    assert learner["email"].lower() not in json.dumps(audit[3:]).lower()
    (suppressed,) = platform.query("SELECT count(*) FROM ops.suppressed_learners")[0]
    assert suppressed == len(keys)

    # Every source again, the exports dropped again: the learner stays out, counted as suppressed.
    for path in list(platform.drops.iterdir()):
        path.rename(path.with_name("again-" + path.name))
    reloads = load_every_source_again(platform)
    build_reporting(platform)
    assert traces_in_warehouse(platform, learner["traces"]) == []
    suppressed_rows = [
        event.materialization.metadata["rows_suppressed"].value
        for result in reloads
        for event in result.get_asset_materialization_events()
        if "rows_suppressed" in event.materialization.metadata
    ]
    assert sum(suppressed_rows) > 0
    assert others_checksums(platform, learner["traces"], keys) == others_before
    assert (
        learner["email"].lower()
        not in platform.everything_recorded(caplog, result, *reloads).lower()
    )


def load_every_source_again(platform) -> list[dg.ExecuteInProcessResult]:
    results = [
        platform.materialize(DAYS[0], DAYS[-1]),
        platform.materialize_thrive(),
        platform.materialize_thrive(DAYS[0], DAYS[-1]),
    ]
    for path in sorted(platform.drops.iterdir()):
        results.append(platform.materialize_drop(path.name))
    assert all(result.success for result in results)
    return results


def test_an_erasure_waits_for_the_loads_under_way_and_later_loads_see_its_keys(warehouse):
    """A load reads the suppressed keys once, at its start: an erasure may not commit between
    that read and the load's commit, or the load would bring the learner back."""
    from learning_platform.lib.suppression import Suppression, lock_out_loads

    with warehouse.transaction() as load:
        suppression = Suppression.read(load, SECRET)
        assert suppression.keys == frozenset()
        with pytest.raises(psycopg.errors.LockNotAvailable):
            with warehouse.transaction() as erasure:
                erasure.execute("SET LOCAL lock_timeout = '200ms'")
                lock_out_loads(erasure)
    # The load is over: the erasure goes through, and the next load waits for it to commit.
    with warehouse.transaction() as erasure:
        lock_out_loads(erasure)
        with pytest.raises(psycopg.errors.LockNotAvailable):
            with warehouse.transaction() as load:
                load.execute("SET LOCAL lock_timeout = '200ms'")
                Suppression.read(load, SECRET)
