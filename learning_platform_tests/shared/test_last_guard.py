"""The table asset's last guard: it reads the staged files again unless every blocking check
passed, earlier in the same run, on exactly these files."""

from __future__ import annotations

from types import SimpleNamespace

import dagster as dg
import pyarrow as pa
import pytest
import sqlalchemy as sa

from learning_platform.defs.shared.checks import STAGED_IDS, StagedStream, refuse_unless_valid
from learning_platform.lib.staging import StagingArea
from learning_platform.lib.validation import Finding, Rule

DAY = "2026-10-06"
SCHEMA = pa.schema([("verb", pa.string())])


def known_verbs(rows) -> Finding:
    verbs = {value for batch in rows(["verb"]) for value in batch.column("verb").to_pylist()}
    unknown = verbs - {"viewed", "completed"}
    return Finding(not unknown, f"unknown verbs {sorted(unknown)}" if unknown else "all known")


STREAM = StagedStream(
    source="vendor",
    name="actions",
    part="records",
    rules=(
        Rule("verbs_known", "Every verb is known.", known_verbs),
        Rule("always_fine", "Nothing to find.", lambda rows: Finding(True, "fine")),
    ),
    table=sa.Table("actions", sa.MetaData(), sa.Column("verb", sa.Text)),
    checks_description="",
)


@pytest.fixture
def staging(tmp_path) -> SimpleNamespace:
    """A staging store whose day holds a verb the rules refuse."""
    area = StagingArea(str(tmp_path / "staging"))
    with area.writer("vendor", "actions", DAY, "records", SCHEMA) as sink:
        sink.write(pa.record_batch([pa.array(["viewed", "bookmarked"])], schema=SCHEMA))
    return SimpleNamespace(area=area)


def run_that_evaluated(*evaluations: dg.AssetCheckEvaluation) -> SimpleNamespace:
    """An asset's context whose run recorded these check evaluations."""
    records = [
        SimpleNamespace(
            event_log_entry=SimpleNamespace(
                dagster_event=SimpleNamespace(event_specific_data=evaluation)
            )
        )
        for evaluation in evaluations
    ]
    instance = SimpleNamespace(
        get_records_for_run=lambda run_id, of_type: SimpleNamespace(records=records)
    )
    log = SimpleNamespace(info=lambda message: None)
    return SimpleNamespace(run=SimpleNamespace(run_id="run"), instance=instance, log=log)


def evaluation(check_name: str, ids: dict, passed: bool = True, asset=STREAM.staged_key):
    return dg.AssetCheckEvaluation(
        asset_key=asset,
        check_name=check_name,
        passed=passed,
        metadata={STAGED_IDS: dg.MetadataValue.json(ids)},
    )


def staged_ids(staging) -> dict:
    return STREAM.staged_ids(staging.area, [DAY])


def test_files_every_check_passed_on_in_this_run_are_not_read_again(staging):
    ids = staged_ids(staging)
    context = run_that_evaluated(evaluation("verbs_known", ids), evaluation("always_fine", ids))

    refuse_unless_valid(STREAM, staging, [DAY], context)  # the rules would refuse: not run


def test_a_run_without_the_checks_reads_the_files_and_refuses(staging):
    with pytest.raises(dg.Failure, match=r"unknown verbs \['bookmarked'\].*check verbs_known"):
        refuse_unless_valid(STREAM, staging, [DAY], run_that_evaluated())


@pytest.mark.parametrize(
    "evaluations",
    [
        pytest.param(lambda ids: [evaluation("verbs_known", ids)], id="one check missing"),
        pytest.param(
            lambda ids: [
                evaluation("verbs_known", ids, passed=False),
                evaluation("always_fine", ids),
            ],
            id="one check failed",
        ),
        pytest.param(
            lambda ids: [
                evaluation(name, {DAY: "a-file-staged-before"})
                for name in ("verbs_known", "always_fine")
            ],
            id="the file was staged again since",
        ),
        pytest.param(
            lambda ids: [
                evaluation(name, ids, asset=dg.AssetKey(["vendor", "other_staged"]))
                for name in ("verbs_known", "always_fine")
            ],
            id="another asset's checks",
        ),
    ],
)
def test_anything_short_of_every_check_passing_on_these_files_reads_them_again(
    staging, evaluations
):
    context = run_that_evaluated(*evaluations(staged_ids(staging)))

    with pytest.raises(dg.Failure, match="check verbs_known"):
        refuse_unless_valid(STREAM, staging, [DAY], context)


def test_each_write_of_a_staged_file_has_an_id_of_its_own(staging):
    first = staged_ids(staging)
    with staging.area.writer("vendor", "actions", DAY, "records", SCHEMA) as sink:
        sink.write(pa.record_batch([pa.array(["viewed", "bookmarked"])], schema=SCHEMA))

    assert None not in first.values() and staged_ids(staging) != first


def test_a_file_rewritten_without_an_erased_learners_rows_has_a_new_id(staging):
    before = staged_ids(staging)

    assert staging.area.remove_rows({"verb": ["bookmarked"]}) == {
        f"vendor/actions/{DAY}/records.parquet": 1
    }
    assert None not in staged_ids(staging).values() and staged_ids(staging) != before
