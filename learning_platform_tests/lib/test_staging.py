"""The staging area: one Parquet file per staged partition, on a path or an fsspec URL (in memory,
and on an S3-compatible server)."""

import os
import time
import uuid

import pyarrow as pa
import pytest

from learning_platform.lib import staging as staging_module
from learning_platform.lib.staging import StagedFileMissing, StagingArea

SCHEMA = pa.schema([pa.field("n", pa.int64()), pa.field("s", pa.string())])


def batch(start: int, count: int) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {
            "n": list(range(start, start + count)),
            "s": [f"row {i}" for i in range(start, start + count)],
        },
        schema=SCHEMA,
    )


@pytest.fixture(params=["path", "memory", "s3"])
def area(request, tmp_path) -> StagingArea:
    if request.param == "path":
        return StagingArea(str(tmp_path / "staging"))
    if request.param == "s3":
        return StagingArea(f"s3://{request.getfixturevalue('s3_bucket')}/staging")
    return StagingArea(f"memory://staging-{uuid.uuid4().hex}")


def read_all(area, *where):
    """A staged file whole: the platform itself only ever reads one in batches."""
    return pa.Table.from_batches(list(area.batches(*where)))


def test_batches_written_are_read_back_in_order(area, monkeypatch):
    monkeypatch.setattr(staging_module, "ROW_GROUP_ROWS", 1000)  # several row groups
    with area.writer("source", "stream", "2026-10-06", "activity", SCHEMA) as sink:
        for start in range(0, 5000, 700):
            sink.write(batch(start, 700))

    table = read_all(area, "source", "stream", "2026-10-06", "activity")
    assert table.column("n").to_pylist() == list(range(0, 5600))
    assert area.row_count("source", "stream", "2026-10-06", "activity") == 5600
    assert (
        sum(
            b.num_rows
            for b in area.batches("source", "stream", "2026-10-06", "activity", batch_size=999)
        )
        == 5600
    )


def test_a_failed_write_leaves_the_previous_file(area):
    with area.writer("source", "stream", "2026-10-06", "activity", SCHEMA) as sink:
        sink.write(batch(0, 3))

    with pytest.raises(RuntimeError):
        with area.writer("source", "stream", "2026-10-06", "activity", SCHEMA) as sink:
            sink.write(batch(100, 50))
            raise RuntimeError("the upstream broke mid-day")

    assert read_all(area, "source", "stream", "2026-10-06", "activity").column("n").to_pylist() == [
        0,
        1,
        2,
    ]
    leftovers = [path for path in area.fs.find(area.root) if path.endswith(".tmp")]
    assert leftovers == []


def test_reading_a_partition_never_staged_names_it(area):
    with pytest.raises(StagedFileMissing, match="source/stream partition 2026-10-07"):
        read_all(area, "source", "stream", "2026-10-07", "activity")


def test_a_temporary_file_older_than_any_run_is_swept_by_the_next_write_to_its_folder(tmp_path):
    """A writer killed mid-file (SIGKILL, OOM) leaves `<part>.parquet.<uuid>.tmp` behind; the next
    write to the partition's folder removes it, but never a temporary file a live writer may own."""
    area = StagingArea(str(tmp_path))
    schema = pa.schema([pa.field("id", pa.string())])
    with area.writer("source", "stream", "2026-10-06", "records", schema) as sink:
        sink.write(pa.RecordBatch.from_pylist([{"id": "a"}], schema=schema))
    folder = tmp_path / "source" / "stream" / "2026-10-06"
    orphan = folder / "records.parquet.0123abcd.tmp"
    recent = folder / "records.parquet.4567cdef.tmp"
    for path in (orphan, recent):
        path.write_bytes(b"PAR1 half a file")
    old = time.time() - staging_module.ORPHANED_AFTER_SECONDS - 60
    os.utime(orphan, (old, old))

    with area.writer("source", "stream", "2026-10-06", "records", schema) as sink:
        sink.write(pa.RecordBatch.from_pylist([{"id": "b"}], schema=schema))

    assert not orphan.exists()
    assert recent.exists()
    assert sorted(path.name for path in folder.iterdir()) == [
        "records.parquet",
        "records.parquet.4567cdef.tmp",
    ]
