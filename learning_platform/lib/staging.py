"""The staging area: one Parquet file per staged partition, on a path or an fsspec URL.

Files are written under a temporary name and moved into place once complete, so a reader never
sees half a partition, and a failed write leaves the previous file where it was. A temporary file
that outlived any run (its writer was killed) is removed by the next write to its folder.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from learning_platform.lib.filesystems import modified_time
from learning_platform.lib.storable_text import NulReplacements

NUL_REPLACEMENTS_KEY = "learning_platform.nul_replacements"
RECORD_IDS_KEY = "learning_platform.record_ids"  # the columns that name a record of the file
# No run lives longer than the instance's run_monitoring.max_runtime_seconds (dagster.yaml): a
# temporary file older than that belongs to a writer that was killed.
ORPHANED_AFTER_SECONDS = 6 * 3600
# Rows are buffered to this many before a Parquet row group is written: big enough for good
# compression and fast scans, small enough to keep a day of millions of rows out of memory.
ROW_GROUP_ROWS = 32_768


class StagedFileMissing(FileNotFoundError):
    """A partition was asked for before it was staged."""


class ParquetSink:
    """Accepts Arrow batches of one schema and writes them as row groups of ROW_GROUP_ROWS, with
    every NUL character replaced (PostgreSQL could store none of them): where, is in
    `nul_replacements`, and in the file's footer."""

    def __init__(self, writer: pq.ParquetWriter, schema: pa.Schema, record_ids: Sequence[str]):
        self._writer = writer
        self._schema = schema
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0
        self.rows = 0
        self.nul_replacements = NulReplacements(tuple(record_ids))

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        batch = self.nul_replacements.replace(batch)
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        self.rows += batch.num_rows
        if self._pending_rows >= ROW_GROUP_ROWS:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.Table.from_batches(self._pending, schema=self._schema))
            self._pending = []
            self._pending_rows = 0

    def close(self) -> None:
        self.flush()
        footer = {RECORD_IDS_KEY: json.dumps(list(self.nul_replacements.record_ids))}
        if self.nul_replacements:
            footer[NUL_REPLACEMENTS_KEY] = self.nul_replacements.to_json()
        self._writer.add_key_value_metadata(footer)


class StagingArea:
    """Staged partitions under `url`: `<url>/<source>/<stream>/<partition>/<part>.parquet`."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self.fs, self.root = fsspec.core.url_to_fs(self.url)

    def path(self, source: str, stream: str, partition_key: str, part: str) -> str:
        return f"{self.root}/{source}/{stream}/{partition_key}/{part}.parquet"

    @contextmanager
    def writer(
        self,
        source: str,
        stream: str,
        partition_key: str,
        part: str,
        schema: pa.Schema,
        record_ids: Sequence[str] = (),
    ) -> Iterator[ParquetSink]:
        """Write one staged file; it replaces the previous one only if the block completes.
        record_ids: the columns that name a record where a NUL character had to be replaced."""
        final = self.path(source, stream, partition_key, part)
        temporary = f"{final}.{uuid.uuid4().hex}.tmp"
        folder = final.rsplit("/", 1)[0]
        self.fs.makedirs(folder, exist_ok=True)
        self.remove_orphans(folder)
        try:
            with self.fs.open(temporary, "wb") as handle:
                with pq.ParquetWriter(handle, schema, compression="zstd") as writer:
                    sink = ParquetSink(writer, schema, record_ids)
                    yield sink
                    sink.close()
            self.fs.mv(temporary, final)
        finally:
            if self.fs.exists(temporary):
                self.fs.rm(temporary)

    def remove_orphans(self, folder: str, now: float | None = None) -> list[str]:
        """Remove the temporary files in `folder` left by writers that were killed (older than
        ORPHANED_AFTER_SECONDS); returns their paths."""
        now = time.time() if now is None else now
        try:
            entries = self.fs.ls(folder, detail=True)
        except FileNotFoundError:
            return []  # an object store has no empty folders: nothing was written here yet
        removed = []
        for info in entries:
            name, modified = info["name"], modified_time(info)
            # A backend that tells no time (0.0) leaves the file alone: it may be a live writer's.
            if name.endswith(".tmp") and modified and now - modified > ORPHANED_AFTER_SECONDS:
                try:
                    self.fs.rm(name)
                except FileNotFoundError:
                    continue  # another writer swept it first
                removed.append(name)
        return removed

    def _file(self, source: str, stream: str, partition_key: str, part: str) -> pq.ParquetFile:
        path = self.path(source, stream, partition_key, part)
        try:
            return pq.ParquetFile(self.fs.open(path, "rb"))
        except FileNotFoundError:
            raise StagedFileMissing(
                f"{source}/{stream} partition {partition_key} has no staged {part!r} file at {path}: "
                "materialize the staged asset for this partition first"
            ) from None

    def batches(
        self,
        source: str,
        stream: str,
        partition_key: str,
        part: str,
        columns: list[str] | None = None,
        batch_size: int = 16_384,
    ) -> Iterator[pa.RecordBatch]:
        with self._file(source, stream, partition_key, part) as parquet:
            yield from parquet.iter_batches(batch_size=batch_size, columns=columns)

    def reader(
        self, source: str, stream: str, part: str, partition_keys: Sequence[str]
    ) -> Callable[[Sequence[str]], Iterator[pa.RecordBatch]]:
        """Reads the named columns of one staged file of these partitions, batch by batch: the
        rows a blocking check or a loader's last guard validates."""

        def read(columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
            for key in partition_keys:
                yield from self.batches(source, stream, key, part, columns=list(columns))

        return read

    def nul_replacements(
        self, source: str, stream: str, partition_key: str, part: str
    ) -> NulReplacements:
        """Where NUL characters were replaced while staging this file (from its footer)."""
        with self._file(source, stream, partition_key, part) as parquet:
            stored = (parquet.metadata.metadata or {}).get(NUL_REPLACEMENTS_KEY.encode())
        return NulReplacements.from_json(stored) if stored else NulReplacements()

    def describe_row(
        self, source: str, stream: str, part: str, partition_keys: Sequence[str], row: int
    ) -> str:
        """The record at `row` (1-based) of these partitions' files read one after the other, as a
        load streams them: its partition and the columns that name it (never other values)."""
        for key in partition_keys:
            with self._file(source, stream, key, part) as parquet:
                count = parquet.metadata.num_rows
                if row > count:
                    row -= count
                    continue
                stored = (parquet.metadata.metadata or {}).get(RECORD_IDS_KEY.encode())
                ids = json.loads(stored) if stored else []
                if not ids:
                    return f"{key}, row {row} of its {part}"
                seen = 0
                for batch in parquet.iter_batches(batch_size=16_384, columns=ids):
                    if row <= seen + batch.num_rows:
                        values = batch.slice(row - seen - 1, 1).to_pylist()[0]
                        return f"{key}, " + ", ".join(f"{name} {values[name]}" for name in ids)
                    seen += batch.num_rows
        return f"row {row}"

    def row_count(self, source: str, stream: str, partition_key: str, part: str) -> int:
        with self._file(source, stream, partition_key, part) as parquet:
            return parquet.metadata.num_rows
