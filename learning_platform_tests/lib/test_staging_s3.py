"""The staging area on S3 (moto's S3-compatible server on loopback, through s3fs): what object
storage does differently from a folder. Writing and reading back run for S3 in test_staging.py."""

import time

import pyarrow as pa
import pytest

from learning_platform.lib import staging as staging_module
from learning_platform.lib.filesystems import modified_time
from learning_platform.lib.staging import StagingArea

SCHEMA = pa.schema([pa.field("id", pa.string())])


def rows(*ids: str) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([{"id": value} for value in ids], schema=SCHEMA)


def staged_ids(area: StagingArea, partition_key: str) -> list[str]:
    batches = area.batches("source", "stream", partition_key, "records")
    return [row["id"] for batch in batches for row in batch.to_pylist()]


@pytest.fixture
def area(s3_bucket) -> StagingArea:
    return StagingArea(f"s3://{s3_bucket}/staging")


def test_a_restaged_partition_replaces_the_object_only_once_written_whole(area):
    """S3 has no rename: the file is uploaded under a temporary key and copied over the final one
    when complete, so a reader during the write still gets the previous day whole."""
    with area.writer("source", "stream", "2026-10-06", "records", SCHEMA) as sink:
        sink.write(rows("a", "b"))

    with area.writer("source", "stream", "2026-10-06", "records", SCHEMA) as sink:
        sink.write(rows("c", "d", "e"))
        assert staged_ids(area, "2026-10-06") == ["a", "b"]

    assert staged_ids(area, "2026-10-06") == ["c", "d", "e"]
    folder = area.path("source", "stream", "2026-10-06", "records").rsplit("/", 1)[0]
    assert [path.rsplit("/", 1)[1] for path in area.fs.find(folder)] == ["records.parquet"]


def test_a_staged_object_tells_when_it_was_written(area):
    """S3 lists `LastModified`, not `mtime`: the orphan sweep reads it through modified_time."""
    before = time.time()
    with area.writer("source", "stream", "2026-10-06", "records", SCHEMA) as sink:
        sink.write(rows("a"))
    path = area.path("source", "stream", "2026-10-06", "records")

    info = area.fs.info(path)

    assert "LastModified" in info and "mtime" not in info
    # S3 keeps whole seconds; the server is this machine, on the same clock.
    assert before - 1 <= modified_time(info) <= time.time() + 1


def test_an_orphaned_temporary_object_is_swept_once_older_than_any_run(area):
    """A run killed mid-upload leaves `<part>.parquet.<uuid>.tmp` behind; the sweep removes it once
    it is older than the longest run, and never a recent one a live writer may own."""
    with area.writer("source", "stream", "2026-10-06", "records", SCHEMA) as sink:
        sink.write(rows("a"))
    final = area.path("source", "stream", "2026-10-06", "records")
    folder = final.rsplit("/", 1)[0]
    orphan = f"{final}.0123abcd.tmp"
    area.fs.pipe(orphan, b"PAR1 half a file")

    assert area.remove_orphans(folder, now=time.time()) == []
    assert area.fs.exists(orphan)

    later = time.time() + staging_module.ORPHANED_AFTER_SECONDS + 60
    assert area.remove_orphans(folder, now=later) == [orphan]
    assert sorted(area.fs.find(folder)) == [final]
    assert staged_ids(area, "2026-10-06") == ["a"]
