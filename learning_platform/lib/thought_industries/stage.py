"""Staging one dropped Thought Industries export: its readable rows, its unreadable lines with
their reasons, and one row describing the file (hash, size, counts)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import pyarrow as pa

from learning_platform.lib.staging import StagingArea
from learning_platform.lib.thought_industries.drops import DropFolder
from learning_platform.lib.thought_industries.exports import (
    REJECT_SCHEMA,
    SCHEMA,
    ContentActionsReader,
    ReadSummary,
)

# The source's folder in the staging area, and the first part of its asset keys.
SOURCE = "thought_industries"
STREAM = "content_actions"
# The staged files of a dropped export: its actions, its unreadable lines, and the file's own row.
ACTIONS, REJECTS, FILE = "actions", "rejects", "file"

FILE_SCHEMA = pa.schema(
    [
        pa.field("file_name", pa.string()),
        pa.field("content_hash", pa.string()),
        pa.field("size_bytes", pa.int64()),
        pa.field("rows_read", pa.int64()),
        pa.field("rows_rejected", pa.int64()),
    ]
)


@dataclass(frozen=True)
class StagedFile:
    summary: ReadSummary
    rejects: list[tuple[int, str]]  # (line, reason) of every row that could not be read


def stage_file(folder: DropFolder, area: StagingArea, file_name: str) -> StagedFile:
    """Read one export from the drop folder, in chunks, into its staged files. Raises
    FileNotFoundError when the file is gone, FileRejected when it is not an export to load."""
    with contextlib.ExitStack() as files:
        stream = files.enter_context(folder.open(file_name))
        reader = ContentActionsReader(stream, file_name)
        actions = files.enter_context(
            area.writer(SOURCE, STREAM, file_name, ACTIONS, SCHEMA, ("line",))
        )
        for batch in reader.batches():
            actions.write(batch)
        with area.writer(SOURCE, STREAM, file_name, REJECTS, REJECT_SCHEMA, ("line",)) as rejects:
            for batch in reader.reject_batches():
                rejects.write(batch)
        summary = reader.summary
        with area.writer(SOURCE, STREAM, file_name, FILE, FILE_SCHEMA) as file_row:
            file_row.write(
                pa.RecordBatch.from_pylist(
                    [
                        {
                            "file_name": file_name,
                            "content_hash": summary.content_hash,
                            "size_bytes": summary.size_bytes,
                            "rows_read": summary.rows,
                            "rows_rejected": summary.rejects,
                        }
                    ],
                    schema=FILE_SCHEMA,
                )
            )
    return StagedFile(summary, reader.rejects)
