"""The staging area: one Parquet file per staged partition, on a path or an fsspec URL.

Files are written under a temporary name and moved into place once complete, so a reader never
sees half a partition, and a failed write leaves the previous file where it was. A temporary file
that outlived any run (its writer was killed) is removed by the next write to its folder.

Staged files hold learners' e-mails and names: where the file system has modes, files are 0600 and
folders 0700, whatever the process umask.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

import fsspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

from learning_platform.lib.filesystems import modified_time
from learning_platform.lib.storable_text import NulReplacements

NUL_REPLACEMENTS_KEY = "learning_platform.nul_replacements"
RECORD_IDS_KEY = "learning_platform.record_ids"  # the columns that name a record of the file
# A new id each time a file is written: what the checks that passed on it name it by.
STAGED_ID_KEY = "learning_platform.staged_id"
# No run lives longer than the instance's run_monitoring.max_runtime_seconds (dagster.yaml): a
# temporary file older than that belongs to a writer that was killed.
ORPHANED_AFTER_SECONDS = 6 * 3600
# Rows are buffered to this many before a Parquet row group is written: big enough for good
# compression and fast scans, small enough to keep a day of millions of rows out of memory.
ROW_GROUP_ROWS = 32_768
# Rows read at a time when a whole staged file is scanned or rewritten.
READ_BATCH_ROWS = 16_384
# Owner-only, on a local file system (a folder, a mounted volume). Object stores (S3, GCS, Azure)
# have no modes: who reads there is the bucket's policy and credentials. (s3fs and gcsfs have a
# `chmod`, but it sets an object's ACL, not a mode.)
FILE_MODE = 0o600
FOLDER_MODE = 0o700
# The footer key pyarrow keeps the Arrow schema under; a rewrite writes it anew from the schema.
_ARROW_SCHEMA_KEY = b"ARROW:schema"


class StagedFileMissing(FileNotFoundError):
    """A partition was asked for before it was staged."""


@dataclass(frozen=True)
class StagedPartition:
    """One staged partition as the area holds it: its files, and when the newest was written."""

    source: str
    stream: str
    partition_key: str
    folder: str
    files: tuple[str, ...]  # every file in the folder, temporary ones included
    newest_modified: float  # epoch seconds; 0.0 when the backend tells no time


class RowGroups:
    """Buffers Arrow batches of one schema and writes them as row groups of ROW_GROUP_ROWS."""

    def __init__(self, writer: pq.ParquetWriter, schema: pa.Schema):
        self._writer = writer
        self._schema = schema
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        if self._pending_rows >= ROW_GROUP_ROWS:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.Table.from_batches(self._pending, schema=self._schema))
            self._pending = []
            self._pending_rows = 0


class ParquetSink:
    """Accepts Arrow batches of one schema and writes them as row groups of ROW_GROUP_ROWS, with
    every NUL character replaced (PostgreSQL could store none of them): where, is in
    `nul_replacements`, and in the file's footer."""

    def __init__(self, writer: pq.ParquetWriter, schema: pa.Schema, record_ids: Sequence[str]):
        self._writer = writer
        self._row_groups = RowGroups(writer, schema)
        self.rows = 0
        self.nul_replacements = NulReplacements(tuple(record_ids))

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        batch = self.nul_replacements.replace(batch)
        self.rows += batch.num_rows
        self._row_groups.write(batch)

    def flush(self) -> None:
        self._row_groups.flush()

    def close(self) -> None:
        self.flush()
        footer = {
            RECORD_IDS_KEY: json.dumps(list(self.nul_replacements.record_ids)),
            STAGED_ID_KEY: uuid.uuid4().hex,
        }
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
        folder = final.rsplit("/", 1)[0]
        self._make_folders(folder)
        self.remove_orphans(folder)
        with self._replacing(final) as handle:
            with pq.ParquetWriter(handle, schema, compression="zstd") as writer:
                sink = ParquetSink(writer, schema, record_ids)
                yield sink
                sink.close()

    @property
    def _has_modes(self) -> bool:
        return isinstance(self.fs, LocalFileSystem)

    def _restrict(self, path: str, mode: int) -> None:
        if self._has_modes:
            os.chmod(path, mode)

    def _make_folders(self, folder: str) -> None:
        """`folder` and the folders between the root and it, owner-only. The root is made 0700 when
        the area creates it (an existing one may be a mount point, and is left as it is); the
        folders below it are the area's own, and are narrowed to 0700 if an earlier version of the
        area made them wider. Parents of the root are made as the process makes any folder."""
        if not self._has_modes:
            self.fs.makedirs(folder, exist_ok=True)
            return
        if not self.fs.exists(self.root):
            self.fs.makedirs(self.root, exist_ok=True)
            self._restrict(self.root, FOLDER_MODE)
        level = self.root
        for name in folder[len(self.root) :].strip("/").split("/"):
            level = f"{level}/{name}"
            self.fs.makedirs(level, exist_ok=True)
            self._restrict(level, FOLDER_MODE)

    @contextmanager
    def _replacing(self, final: str) -> Iterator[BinaryIO]:
        """A new owner-only file, written under a temporary name next to `final` and moved over it
        if the block completes; removed if it does not."""
        temporary = f"{final}.{uuid.uuid4().hex}.tmp"
        try:
            with self.fs.open(temporary, "wb") as handle:
                # Before the first byte: a local file exists from the moment it is opened.
                self._restrict(temporary, FILE_MODE)
                yield handle
            self.fs.mv(temporary, final)
            self._restrict(final, FILE_MODE)
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
        # One row group (at most ROW_GROUP_ROWS rows, as the writers cut them) at a time:
        # iter_batches over a whole file holds on to memory that grows with the file (pyarrow 26:
        # +49 MB reading 200k rows, +114 MB reading 5M), row group by row group it stays flat
        # (+51 to +55 MB, whatever the file's size).
        with self._file(source, stream, partition_key, part) as parquet:
            for group in range(parquet.metadata.num_row_groups):
                rows = parquet.read_row_group(group, columns=columns)
                yield from rows.to_batches(max_chunksize=batch_size)

    def reader(
        self, source: str, stream: str, part: str, partition_keys: Sequence[str]
    ) -> Callable[[Sequence[str]], Iterator[pa.RecordBatch]]:
        """Reads the named columns of one staged file of these partitions, batch by batch: the
        rows a blocking check or a loader's last guard validates."""

        def read(columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
            for key in partition_keys:
                yield from self.batches(source, stream, key, part, columns=list(columns))

        return read

    def staged_id(self, source: str, stream: str, partition_key: str, part: str) -> str | None:
        """The id this staged file was written with (from its footer; None for a file staged
        before files had one)."""
        stored = self._footer(source, stream, partition_key, part, STAGED_ID_KEY)
        return stored.decode() if stored else None

    def nul_replacements(
        self, source: str, stream: str, partition_key: str, part: str
    ) -> NulReplacements:
        """Where NUL characters were replaced while staging this file (from its footer)."""
        stored = self._footer(source, stream, partition_key, part, NUL_REPLACEMENTS_KEY)
        return NulReplacements.from_json(stored) if stored else NulReplacements()

    def _footer(
        self, source: str, stream: str, partition_key: str, part: str, name: str
    ) -> bytes | None:
        """One value of a staged file's footer, None if the file has none by that name."""
        with self._file(source, stream, partition_key, part) as parquet:
            return (parquet.metadata.metadata or {}).get(name.encode())

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

    def partitions(self) -> list[StagedPartition]:
        """Every staged partition, by source, stream and key. A partition is a folder that holds
        staged files; a Thought Industries key is a path under the drop location, so it may span
        folders (`<source>/<stream>/2026/export.csv/actions.parquet`)."""
        if not self.fs.exists(self.root):
            return []
        found: dict[tuple[str, str, str], list[tuple[str, float]]] = defaultdict(list)
        for path, info in self.fs.find(self.root, detail=True).items():
            *folders, name = self._relative(path).split("/")
            if len(folders) < 3 or not name.endswith((".parquet", ".tmp")):
                continue  # not a staged file, or not in a partition's folder
            found[(folders[0], folders[1], "/".join(folders[2:]))].append(
                (path, modified_time(info))
            )
        return [
            StagedPartition(
                source=source,
                stream=stream,
                partition_key=key,
                folder=files[0][0].rsplit("/", 1)[0],
                files=tuple(sorted(path for path, _ in files)),
                newest_modified=max(modified for _, modified in files),
            )
            for (source, stream, key), files in sorted(found.items())
        ]

    def remove_partition(self, partition: StagedPartition) -> int:
        """Remove a partition's files, then its folders that are left empty (up to its stream's
        folder); returns how many files were removed."""
        removed = 0
        for path in partition.files:
            try:
                self.fs.rm(path)
            except FileNotFoundError:
                continue
            removed += 1
        stream_folder = f"{self.root}/{partition.source}/{partition.stream}"
        folder = partition.folder
        while folder.startswith(f"{stream_folder}/"):
            try:
                # An object store has no folders: nothing is left once the files are gone.
                if not self.fs.exists(folder) or self.fs.ls(folder):
                    break
                self.fs.rmdir(folder)
            except OSError:
                break  # a writer put something there meanwhile: its folder stays
            folder = folder.rsplit("/", 1)[0]
        return removed

    def remove_rows(
        self,
        values: Mapping[str, Collection[str]],
        casefold: Collection[str] = (),
        *,
        under: str | None = None,
        part: str | None = None,
    ) -> dict[str, int]:
        """Rewrite every staged file without the rows that hold one of `values` (column name to the
        values to remove) in any of those columns the file has; columns named in `casefold` are
        compared by their value lowercased and trimmed. A file is rewritten only if a row matched,
        atomically (a temporary file moved over it), owner-only, with the same schema and footer
        but a new staged id (checks passed on the file before do not vouch for this one); a file
        left with no rows stays, so its partition still loads. `under` (a path below the
        root, such as `<source>/<stream>`) and `part` narrow the walk to those files. Returns how
        many rows were removed from each file changed, by its path under the area's root."""
        value_sets = {
            column: pa.array(
                sorted({_normal(value) if column in casefold else value for value in wanted}),
                type=pa.string(),
            )
            for column, wanted in values.items()
            if wanted
        }
        folded = frozenset(casefold)
        top = f"{self.root}/{under.strip('/')}" if under else self.root
        suffix = f"/{part}.parquet" if part else ".parquet"  # never a temporary file
        changed = {}
        if not value_sets or not self.fs.exists(top):
            return changed
        for path in sorted(self.fs.find(top)):
            if path.endswith(suffix):
                removed = self._remove_rows_from(path, value_sets, folded)
                if removed:
                    changed[self._relative(path)] = removed
        return changed

    def _remove_rows_from(
        self, path: str, value_sets: Mapping[str, pa.Array], casefold: frozenset[str]
    ) -> int:
        with self.fs.open(path, "rb") as handle:
            parquet = pq.ParquetFile(handle)
            schema = parquet.schema_arrow
            present = {name: value_sets[name] for name in value_sets if name in schema.names}
            if not present:
                return 0
            matched = sum(
                pc.sum(_rows_matching(batch, present, casefold)).as_py() or 0
                for batch in parquet.iter_batches(batch_size=READ_BATCH_ROWS, columns=list(present))
            )
            if not matched:
                return 0
            footer = {
                key: value
                for key, value in (parquet.metadata.metadata or {}).items()
                if key != _ARROW_SCHEMA_KEY
            }
            footer[STAGED_ID_KEY.encode()] = uuid.uuid4().hex.encode()  # other rows, other file
        removed = 0
        with self._replacing(path) as rewritten:
            with (
                self.fs.open(path, "rb") as handle,
                pq.ParquetWriter(rewritten, schema, compression="zstd") as writer,
            ):
                row_groups = RowGroups(writer, schema)
                # Batches no bigger than a row group: row groups come out as staging makes them.
                batch_size = min(READ_BATCH_ROWS, ROW_GROUP_ROWS)
                for batch in pq.ParquetFile(handle).iter_batches(batch_size=batch_size):
                    matching = _rows_matching(batch, present, casefold)
                    removed += pc.sum(matching).as_py() or 0
                    row_groups.write(batch.filter(pc.invert(matching)))
                row_groups.flush()
                writer.add_key_value_metadata(footer)
        return removed

    def _relative(self, path: str) -> str:
        return path[len(self.root) :].strip("/")


def _normal(value: str) -> str:
    return value.strip().lower()


def _rows_matching(
    batch: pa.RecordBatch, value_sets: Mapping[str, pa.Array], casefold: frozenset[str]
) -> pa.BooleanArray:
    """Whether each row holds one of the values in any of the named columns (never null)."""
    matching = None
    for name, value_set in value_sets.items():
        column = batch.column(name)
        if column.type != pa.string():
            column = pc.cast(column, pa.string())
        if name in casefold:
            column = pc.utf8_lower(pc.utf8_trim_whitespace(column))
        found = pc.fill_null(pc.is_in(column, value_set=value_set), False)
        matching = found if matching is None else pc.or_(matching, found)
    return matching
