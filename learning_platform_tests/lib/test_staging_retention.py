"""Staging retention with a fake clock: which staged partitions are old enough to go, and that only
those loaded since they were staged go."""

import os
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from learning_platform import settings
from learning_platform.lib.staging import StagedPartition, StagingArea
from learning_platform.lib.staging_retention import (
    expired_partitions,
    is_expired,
    remove_expired_partitions,
)

SCHEMA = pa.schema([pa.field("email", pa.string())])
NOW = datetime(2026, 11, 30, 5, tzinfo=UTC)
RETENTION_DAYS = 30


def stage(area: StagingArea, source: str, stream: str, key: str, written: datetime) -> None:
    """Stages one partition as if written at `written`: an activity file and a details file."""
    for part in ("activity", "learners"):
        with area.writer(source, stream, key, part, SCHEMA) as sink:
            sink.write(pa.RecordBatch.from_pylist([{"email": "ann@example.com"}], schema=SCHEMA))
        path = area.path(source, stream, key, part)
        os.utime(path, (written.timestamp(), written.timestamp()))


def keys(partitions) -> list[tuple[str, str, str]]:
    return [(p.source, p.stream, p.partition_key) for p in partitions]


def loaded_except(*not_loaded: tuple[str, str, str]):
    """A predicate: every partition has been loaded since it was staged but these."""
    return lambda source, stream, key: (source, stream, key) not in not_loaded


@pytest.fixture
def area(tmp_path) -> StagingArea:
    return StagingArea(str(tmp_path / "staging"))


def test_exactly_the_expired_partitions_loaded_since_staged_are_removed(area, tmp_path):
    """A day is aged by its day, a dropped file by when it was staged. A recent partition stays;
    so does an expired one not loaded since it was staged (its check refused it, or its load
    failed: a re-run needs it)."""
    a_day_ago = NOW - timedelta(days=1)
    stage(area, "linkedin_learning", "account_activity", "2026-10-01", a_day_ago)  # expired, loaded
    stage(area, "linkedin_learning", "account_activity", "2026-10-02", a_day_ago)  # expired
    stage(area, "linkedin_learning", "account_activity", "2026-11-25", a_day_ago)  # recent
    old_export, new_export = NOW - timedelta(days=40), NOW - timedelta(days=3)
    stage(area, "thought_industries", "content_actions", "2026/old.csv", old_export)
    stage(area, "thought_industries", "content_actions", "new.csv", new_export)
    refused = ("linkedin_learning", "account_activity", "2026-10-02")

    result = remove_expired_partitions(area, RETENTION_DAYS, NOW, loaded_except(refused))

    assert keys(result.removed) == [
        ("linkedin_learning", "account_activity", "2026-10-01"),
        ("thought_industries", "content_actions", "2026/old.csv"),
    ]
    assert result.files_removed == {
        ("linkedin_learning", "account_activity"): 2,
        ("thought_industries", "content_actions"): 2,
    }
    assert keys(result.not_loaded) == [refused]
    assert keys(area.partitions()) == [
        ("linkedin_learning", "account_activity", "2026-10-02"),
        ("linkedin_learning", "account_activity", "2026-11-25"),
        ("thought_industries", "content_actions", "new.csv"),
    ]
    # The emptied folders go too, up to the stream's.
    staging = tmp_path / "staging"
    assert not (staging / "linkedin_learning" / "account_activity" / "2026-10-01").exists()
    assert not (staging / "thought_industries" / "content_actions" / "2026").exists()
    assert (staging / "thought_industries" / "content_actions").is_dir()


def test_a_day_is_kept_until_it_is_more_than_the_retention_before_today(area):
    stage(area, "thrive", "activities", "2026-10-30", NOW - timedelta(days=1))  # 31 days before
    stage(area, "thrive", "activities", "2026-10-31", NOW - timedelta(days=1))  # 30 days before

    assert keys(expired_partitions(area, RETENTION_DAYS, NOW)) == [
        ("thrive", "activities", "2026-10-30")
    ]


def test_an_old_day_staged_again_within_the_last_hours_is_kept_while_a_run_may_still_load_it(
    area,
):
    """A backfill of an old day stages it, then checks and loads it in the same run: the
    partition must not go between the two, whatever the event log says about the previous load."""
    stage(area, "linkedin_learning", "learner_activity", "2026-09-01", NOW - timedelta(hours=1))

    result = remove_expired_partitions(area, RETENTION_DAYS, NOW, loaded_except())

    assert result.removed == []
    assert keys(result.in_use) == [("linkedin_learning", "learner_activity", "2026-09-01")]
    assert len(area.partitions()) == 1


def test_a_partition_whose_files_tell_no_time_is_never_expired():
    """An fsspec backend that lists no modification time: its age is unknown, so it stays."""
    partition = StagedPartition(
        source="thought_industries",
        stream="content_actions",
        partition_key="export.csv",
        folder="staging/thought_industries/content_actions/export.csv",
        files=("staging/thought_industries/content_actions/export.csv/actions.parquet",),
        newest_modified=0.0,
    )

    assert not is_expired(partition, RETENTION_DAYS, NOW)


def test_an_expired_partition_on_s3_is_removed_whole(s3_bucket):
    """Object storage has no folders: once the files are gone, nothing is left under its prefix."""
    area = StagingArea(f"s3://{s3_bucket}/staging")
    # S3 stamps the objects with its own clock, now: the fake clock is a day past that.
    later = datetime.now(UTC) + timedelta(days=1)
    old, recent = ((later - timedelta(days=days)).date().isoformat() for days in (40, 2))
    for key in (old, recent):
        with area.writer("thrive", "activities", key, "records", SCHEMA) as sink:
            sink.write(pa.RecordBatch.from_pylist([{"email": "ann@example.com"}], schema=SCHEMA))

    result = remove_expired_partitions(area, RETENTION_DAYS, later, loaded_except())

    assert keys(result.removed) == [("thrive", "activities", old)]
    assert area.fs.find(f"{area.root}/thrive/activities/{old}") == []
    assert keys(area.partitions()) == [("thrive", "activities", recent)]


def test_the_retention_defaults_to_30_days_and_refuses_anything_but_whole_days(monkeypatch):
    monkeypatch.delenv(settings.STAGING_RETENTION_DAYS, raising=False)
    assert settings.staging_retention_days() == 30

    monkeypatch.setenv(settings.STAGING_RETENTION_DAYS, "14")
    assert settings.staging_retention_days() == 14

    for wrong in ("0", "-3", "two weeks", "7.5"):
        monkeypatch.setenv(settings.STAGING_RETENTION_DAYS, wrong)
        with pytest.raises(ValueError, match=f"{settings.STAGING_RETENTION_DAYS} must be"):
            settings.staging_retention_days()
