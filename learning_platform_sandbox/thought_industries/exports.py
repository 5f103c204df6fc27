"""Export files of content actions: the report's columns, timestamp styles, atomic CSV writes."""

from __future__ import annotations

import csv
import io
import os
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timezone
from pathlib import Path

from learning_platform_sandbox.thought_industries.rows import Action

# The report's columns, in report order; the exact header strings are not documented (§3.2), the
# display names are the best guess and what the platform matches case-insensitively.
COLUMNS = (
    "Email",
    "Panorama Name",
    "Content Type",
    "Content Title",
    "Type",
    "Source",
    "Timestamp",
)
# How an export may write the Timestamp column. "iso" is the TI API's own style; "display" is the
# report's on-screen style, naive and to the minute: an export in it loses the seconds, so its
# actions do not share natural keys with an "iso" export of the same days.
TIMESTAMP_FORMATS = ("iso", "iso_seconds", "display", "naive")
LINE_ENDINGS = ("\r\n", "\n")
_BOM = b"\xef\xbb\xbf"


def write_export_file(
    folder: str | os.PathLike,
    first_day: date,
    last_day: date,
    *,
    actions: Callable[[date, date], Iterable[Action]],
    name: str | None,
    timestamp_format: str,
    bom: bool,
    line_ending: str,
    panorama: Callable[[Action], str],
    extra_rows: Iterable[Sequence[str]],
    columns: Sequence[str] | None,
) -> Path:
    """Write the `actions` of `first_day`..`last_day` into `folder` as one export file; see
    `ContentActions.write_export` for the options."""
    if timestamp_format not in TIMESTAMP_FORMATS:
        raise ValueError(
            f"timestamp_format={timestamp_format!r}: expected one of {TIMESTAMP_FORMATS}"
        )
    if line_ending not in LINE_ENDINGS:
        raise ValueError(f"line_ending={line_ending!r}: expected one of {LINE_ENDINGS!r}")
    if last_day < first_day:
        raise ValueError(f"an export from {first_day} to {last_day} ends before it starts")
    header = list(COLUMNS if columns is None else columns)
    fields = [_standard_column(column) for column in header]
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator=line_ending)
    writer.writerow(header)
    for action in actions(first_day, last_day):
        values = {
            "Email": action.email,
            "Panorama Name": panorama(action),
            "Content Type": action.content_type,
            "Content Title": action.content_title,
            "Type": action.action_type,
            "Source": action.action_source,
            "Timestamp": format_timestamp(action.timestamp, timestamp_format),
        }
        writer.writerow([values.get(field, "") if field else "" for field in fields])
    for row in extra_rows:
        writer.writerow(list(row))
    data = (_BOM if bom else b"") + buffer.getvalue().encode("utf-8")
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    path = target / (name or export_name(first_day, last_day))
    _write_atomically(path, data)
    return path


def export_name(first_day: date, last_day: date) -> str:
    """The default file name of an export: `content-actions-<first>-to-<last>.csv`."""
    return f"content-actions-{first_day.isoformat()}-to-{last_day.isoformat()}.csv"


def append_rows(
    path: str | os.PathLike, rows: Iterable[Sequence[str]], line_ending: str = "\r\n"
) -> None:
    """Append CSV rows to a file in place, not atomically: a file still being written or copied."""
    if line_ending not in LINE_ENDINGS:
        raise ValueError(f"line_ending={line_ending!r}: expected one of {LINE_ENDINGS!r}")
    with open(path, "a", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, quoting=csv.QUOTE_MINIMAL, lineterminator=line_ending)
        for row in rows:
            writer.writerow(list(row))


def format_timestamp(moment: datetime, style: str) -> str:
    """An aware UTC timestamp as an export writes it (see TIMESTAMP_FORMATS).

    "iso_seconds" and "naive" drop the milliseconds; "display" drops the seconds and the zone.
    """
    moment = moment.astimezone(timezone.utc)
    if style == "iso":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if style == "iso_seconds":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "display":
        hour = moment.hour % 12 or 12
        noon = "PM" if moment.hour >= 12 else "AM"
        return f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment.minute:02d} {noon}"
    if style == "naive":
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    raise ValueError(f"timestamp format {style!r}: expected one of {TIMESTAMP_FORMATS}")


def _write_atomically(path: Path, data: bytes) -> None:
    # A hidden name without the .csv suffix, in the same folder so that the rename is atomic: a
    # watcher listing *.csv never sees half a file.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
    try:
        with open(temporary, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _standard_column(header: str) -> str | None:
    """Which of the seven report columns a header names (case, spaces, underscores aside)."""
    wanted = re.sub(r"[\s_]+", " ", header.strip()).lower()
    for column in COLUMNS:
        if column.lower() == wanted:
            return column
    return None
