"""The staging area: one Parquet file per staged partition, on a path or an fsspec URL (in memory,
and on an S3-compatible server)."""

import json
import os
import stat
import time
import uuid

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from learning_platform.lib import staging as staging_module
from learning_platform.lib.staging import (
    NUL_REPLACEMENTS_KEY,
    RECORD_IDS_KEY,
    STAGED_ID_KEY,
    StagedFileMissing,
    StagingArea,
)
from learning_platform.lib.storable_text import json_text_field

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


# -- owner-only files ------------------------------------------------------------------------------


@pytest.fixture
def umask_022():
    """The umask most processes run with: files 0644 and folders 0755 unless the area says so."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("partition_key", ["2026-10-06", "exports/2026-10.csv"])
def test_staged_files_are_owner_only_and_so_is_every_folder_the_area_creates(
    tmp_path, umask_022, partition_key
):
    """Staged files hold learners' e-mails and names: 0600 files in 0700 folders, from the root
    down to the partition (a dropped file's key may span folders), whatever the umask."""
    root = tmp_path / "staging"
    area = StagingArea(str(root))

    for rows in (batch(0, 3), batch(10, 2)):  # staged, then staged again over the first file
        with area.writer("source", "stream", partition_key, "activity", SCHEMA) as sink:
            sink.write(rows)

    partition = root / "source" / "stream" / partition_key
    assert mode(partition / "activity.parquet") == 0o600
    folders = [root, root / "source", root / "source" / "stream", partition.parent, partition]
    assert {folder: mode(folder) for folder in folders} == {folder: 0o700 for folder in folders}
    assert sorted(path.name for path in partition.iterdir()) == ["activity.parquet"]


def test_an_area_folder_an_earlier_version_left_open_is_narrowed_on_the_next_write(
    tmp_path, umask_022
):
    root = tmp_path / "staging"
    (root / "source" / "stream" / "2026-10-06").mkdir(parents=True, mode=0o755)
    area = StagingArea(str(root))

    with area.writer("source", "stream", "2026-10-06", "activity", SCHEMA) as sink:
        sink.write(batch(0, 3))

    assert mode(root / "source") == mode(root / "source" / "stream") == 0o700
    assert mode(root / "source" / "stream" / "2026-10-06") == 0o700


# -- rewriting staged files without a learner ------------------------------------------------------

LEARNERS = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("email", pa.string()),
        pa.field("name", pa.string()),
        json_text_field("data"),
    ]
)
ACTIONS = pa.schema([pa.field("line", pa.int64()), pa.field("learner_email", pa.string())])


def stage(area, partition_key, part, schema, rows, record_ids=("id",)):
    """Stages the rows in batches of 30, as an upstream's pages arrive."""
    with area.writer("source", "stream", partition_key, part, schema, record_ids) as sink:
        for start in range(0, len(rows), 30):
            sink.write(pa.RecordBatch.from_pylist(rows[start : start + 30], schema=schema))
    return area.path("source", "stream", partition_key, part)


def staged_rows(area, partition_key, part) -> list[dict]:
    return read_all(area, "source", "stream", partition_key, part).to_pylist()


def learner(id, email, name="A Learner"):
    return {"id": id, "email": email, "name": name, "data": '{"x": 1}'}


def test_rows_holding_a_value_in_a_named_column_are_removed_and_the_rest_kept(tmp_path):
    area = StagingArea(str(tmp_path / "staging"))
    stage(
        area,
        "2026-10-06",
        "learners",
        LEARNERS,
        [
            learner("1", "ann@example.com"),
            learner("2", "bob@example.com"),
            learner("3", "ann@example.com"),
        ],
    )

    changed = area.remove_rows({"email": ["ann@example.com"], "learner_email": ["ann@example.com"]})

    assert changed == {"source/stream/2026-10-06/learners.parquet": 2}
    assert [row["id"] for row in staged_rows(area, "2026-10-06", "learners")] == ["2"]


def test_a_casefolded_column_matches_whatever_the_case_and_surrounding_spaces(tmp_path):
    """An e-mail is one learner however it was typed: " Ann@Example.COM " is ann@example.com."""
    area = StagingArea(str(tmp_path / "staging"))
    stage(
        area,
        "export.csv",
        "actions",
        ACTIONS,
        [
            {"line": 2, "learner_email": " Ann@Example.COM "},
            {"line": 3, "learner_email": "ann@example.org"},
            {"line": 4, "learner_email": None},
        ],
        ("line",),
    )

    changed = area.remove_rows({"learner_email": [" ANN@example.com"]}, casefold=["learner_email"])

    assert changed == {"source/stream/export.csv/actions.parquet": 1}
    assert [row["line"] for row in staged_rows(area, "export.csv", "actions")] == [3, 4]


def test_a_column_not_casefolded_matches_only_the_exact_value(tmp_path):
    area = StagingArea(str(tmp_path / "staging"))
    stage(area, "2026-10-06", "learners", LEARNERS, [learner("1", "Ann@Example.COM")])

    assert area.remove_rows({"email": ["ann@example.com"]}) == {}
    assert len(staged_rows(area, "2026-10-06", "learners")) == 1


def test_files_without_the_columns_or_without_a_match_are_not_rewritten(tmp_path):
    area = StagingArea(str(tmp_path / "staging"))
    without_columns = stage(
        area, "2026-10-06", "activity", SCHEMA, [{"n": 1, "s": "ann@example.com"}], ()
    )
    without_match = stage(
        area, "2026-10-07", "learners", LEARNERS, [learner("2", "bob@example.com")]
    )
    with_match = stage(area, "2026-10-08", "learners", LEARNERS, [learner("1", "ann@example.com")])
    old = time.time() - 86_400
    for path in (without_columns, without_match, with_match):
        os.utime(path, (old, old))
    before = {
        path: os.stat(path).st_mtime_ns for path in (without_columns, without_match, with_match)
    }

    changed = area.remove_rows({"email": ["ann@example.com"]})

    assert changed == {"source/stream/2026-10-08/learners.parquet": 1}
    assert os.stat(without_columns).st_mtime_ns == before[without_columns]
    assert os.stat(without_match).st_mtime_ns == before[without_match]
    assert os.stat(with_match).st_mtime_ns != before[with_match]


def test_a_rewritten_file_keeps_its_schema_footer_compression_and_row_groups_and_is_owner_only(
    tmp_path, umask_022, monkeypatch
):
    """The footer says which columns name a record and where NUL characters were replaced: the
    checks read it after the rewrite as before. Rows are buffered to ROW_GROUP_ROWS per row group,
    as staging buffers them."""
    monkeypatch.setattr(staging_module, "ROW_GROUP_ROWS", 100)
    area = StagingArea(str(tmp_path / "staging"))
    rows = [
        learner(str(i), "ann@example.com" if i % 50 == 0 else f"learner{i}@example.com")
        for i in range(1000)
    ]
    rows[7]["name"] = "A\x00Learner"  # replaced while staging, and named in the footer
    path = stage(area, "2026-10-06", "learners", LEARNERS, rows)
    before = pq.ParquetFile(path)

    changed = area.remove_rows({"email": ["ann@example.com"]})

    assert changed == {"source/stream/2026-10-06/learners.parquet": 20}
    after = pq.ParquetFile(path)
    assert after.schema_arrow == before.schema_arrow
    assert after.schema_arrow.field("data").metadata == {b"content": b"json"}
    staged_id = STAGED_ID_KEY.encode()
    kept = {key: value for key, value in after.metadata.metadata.items() if key != staged_id}
    assert kept == {
        key: value for key, value in before.metadata.metadata.items() if key != staged_id
    }
    # Other rows, another file: checks passed on the file before do not vouch for this one.
    assert after.metadata.metadata[staged_id] != before.metadata.metadata[staged_id]
    assert json.loads(after.metadata.metadata[RECORD_IDS_KEY.encode()]) == ["id"]
    assert NUL_REPLACEMENTS_KEY.encode() in after.metadata.metadata
    assert after.metadata.num_rows == 980
    row_groups = [after.metadata.row_group(i).num_rows for i in range(after.num_row_groups)]
    assert len(row_groups) > 1 and all(rows >= 100 for rows in row_groups[:-1])
    assert after.metadata.row_group(0).column(0).compression == "ZSTD"
    assert mode(path) == 0o600
    assert [
        p.name for p in (tmp_path / "staging" / "source" / "stream" / "2026-10-06").iterdir()
    ] == ["learners.parquet"]


def test_rows_are_removed_from_every_staged_file_of_every_partition(area):
    """On a path, in memory and on S3. A temporary file is not a staged file: left alone (it is
    a live writer's, or an orphan the next write sweeps)."""
    stage(
        area,
        "2026-10-06",
        "learners",
        LEARNERS,
        [learner("1", "ann@example.com"), learner("2", "bob@example.com")],
    )
    stage(
        area,
        "export.csv",
        "actions",
        ACTIONS,
        [{"line": 2, "learner_email": "ANN@example.com"}],
        ("line",),
    )
    temporary = area.path("source", "stream", "2026-10-06", "learners") + ".0123abcd.tmp"
    area.fs.pipe(temporary, b"PAR1 half a file")

    changed = area.remove_rows(
        {"email": ["ann@example.com"], "learner_email": ["ann@example.com"]},
        casefold=["learner_email"],
    )

    assert changed == {
        "source/stream/2026-10-06/learners.parquet": 1,
        "source/stream/export.csv/actions.parquet": 1,
    }
    assert [row["id"] for row in staged_rows(area, "2026-10-06", "learners")] == ["2"]
    assert area.row_count("source", "stream", "export.csv", "actions") == 0
    assert area.fs.cat(temporary) == b"PAR1 half a file"


def test_the_walk_can_be_narrowed_to_one_stream_and_one_staged_part(tmp_path):
    """The erasure job knows which staged files of which streams hold a learner column."""
    area = StagingArea(str(tmp_path / "staging"))
    stage(area, "2026-10-06", "learners", LEARNERS, [learner("1", "ann@example.com")])
    stage(area, "2026-10-06", "contents", LEARNERS, [learner("2", "ann@example.com")])
    with area.writer("other", "stream", "2026-10-06", "learners", LEARNERS, ("id",)) as sink:
        sink.write(pa.RecordBatch.from_pylist([learner("3", "ann@example.com")], schema=LEARNERS))

    changed = area.remove_rows(
        {"email": ["ann@example.com"]}, under="source/stream", part="learners"
    )

    assert changed == {"source/stream/2026-10-06/learners.parquet": 1}
    assert area.row_count("source", "stream", "2026-10-06", "contents") == 1
    assert area.row_count("other", "stream", "2026-10-06", "learners") == 1
