"""What fsspec file systems say about a file, whichever backend (local, S3, GCS, Azure, memory)."""

from __future__ import annotations

from datetime import datetime

# Where file systems put a file's modification time: local and SFTP, S3, GCS and Azure, and the
# in-memory one (which only knows when a file was created).
_MODIFIED_KEYS = ("mtime", "LastModified", "updated", "last_modified", "created")


def modified_time(info: dict) -> float:
    """The file's modification time in epoch seconds, from an fsspec `info()` or `ls()` entry;
    0.0 when the backend gives none."""
    for key in _MODIFIED_KEYS:
        value = info.get(key)
        if value:
            if hasattr(value, "timestamp"):
                return float(value.timestamp())
            try:
                return float(value)
            except (TypeError, ValueError):
                return float(datetime.fromisoformat(str(value)).timestamp())
    return 0.0
