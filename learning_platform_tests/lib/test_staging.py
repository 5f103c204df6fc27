"""The staging area: one Parquet file per staged partition, on a path or an fsspec URL."""

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


@pytest.fixture(params=["path", "memory"])
def area(request, tmp_path) -> StagingArea:
    if request.param == "path":
        return StagingArea(str(tmp_path / "staging"))
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
