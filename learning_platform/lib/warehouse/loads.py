"""Writing to PostgreSQL: replace a partition, or upsert by natural key, through COPY, in the
caller's transaction.

Identifiers come only from the SQLAlchemy table definitions in `warehouse/tables/`, quoted with
`psycopg.sql.Identifier`; values are always bound or streamed through COPY.

Every way the platform writes a table (replace partitions, upsert, insert what is new, replace a
file's rows) is here, longer than most modules: they share COPY, the load lock and the quoting.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import pgpq
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import sqlalchemy as sa
from psycopg import sql

# The temporary table an upsert copies into is named after its target, with this prefix.
INCOMING = "incoming_"

# Arrow writes a null as an unquoted empty field and an empty string as "", which is exactly how
# PostgreSQL's CSV COPY tells NULL from ''.
_CSV_OPTIONS = pacsv.WriteOptions(include_header=False, batch_size=8192)


@dataclass(frozen=True)
class LoadResult:
    deleted: int
    written: int
    # Rows upserted alongside into other tables (a report's learner details), by their name.
    upserted: dict[str, int] = field(default_factory=dict)
    # Rows of erased learners left out (ops.suppressed_learners).
    suppressed: int = 0
    # Rows the table holds for each loaded partition once loaded, by partition key.
    rows_per_partition: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CopyPosition:
    """Where a COPY failed, as PostgreSQL's error context says: the table it wrote into (the
    target's name, for the temporary `incoming_<name>` of an upsert or a day's table
    `<name>_<YYYYMMDD>`), the 1-based row, and for a day's table its day, where rows count from."""

    table: str
    row: int
    day: date | None = None


_COPY_CONTEXT = re.compile(r"COPY (?:\w+\.)?(\w+), line (\d+)")
_DAY_TABLE = re.compile(r"(\w+)_(\d{8})")


def copy_position(error: psycopg.Error) -> CopyPosition | None:
    match = _COPY_CONTEXT.search(error.diag.context or "")
    if match is None:
        return None
    table, row = match.group(1).removeprefix(INCOMING), int(match.group(2))
    day_table = _DAY_TABLE.fullmatch(table)
    if day_table is None:
        return CopyPosition(table, row)
    day = datetime.strptime(day_table.group(2), "%Y%m%d").date()
    return CopyPosition(day_table.group(1), row, day)


def is_data_error(error: psycopg.Error) -> bool:
    """The data itself was refused (SQLSTATE classes 22 and 23: a value, a constraint): loading
    it again in a few minutes would fail again, unlike a dropped connection or a lock timeout."""
    return (error.sqlstate or "")[:2] in ("22", "23")


def describe_error(error: psycopg.Error) -> str:
    """What PostgreSQL refused, without its detail: that quotes the failing row, which can hold
    an e-mail."""
    return f"{error.diag.message_primary or type(error).__name__} (SQLSTATE {error.sqlstate})"


def qualified(table: sa.Table) -> sql.Composable:
    if table.schema:
        return sql.Identifier(table.schema, table.name)
    return sql.Identifier(table.name)


def _column_list(columns: Sequence[str]) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(column) for column in columns)


def copy_batches(
    cursor: psycopg.Cursor,
    target: sql.Composable,
    columns: Sequence[str],
    batches: Iterable[pa.RecordBatch],
    *,
    binary: bool = False,
) -> int:
    """Stream Arrow batches into `target` with COPY; returns the number of rows written.

    binary: PostgreSQL's binary COPY format, encoded from the Arrow buffers by pgpq. The server
    then parses no text (timestamps are the costly part), which roughly halves a big load. The
    Arrow types must be the columns' binary types (string as text, not jsonb); CSV takes any.
    """
    written = 0
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT {})").format(
        target, _column_list(columns), sql.SQL("BINARY" if binary else "CSV")
    )
    encoder = None
    with cursor.copy(statement) as copy:
        for batch in batches:
            if batch.num_rows == 0:
                continue
            batch = batch.select(list(columns))
            if not binary:
                buffer = io.BytesIO()
                pacsv.write_csv(batch, buffer, _CSV_OPTIONS)
                copy.write(buffer.getbuffer())
            else:
                if encoder is None:
                    encoder = pgpq.ArrowToPostgresBinaryEncoder(batch.schema)
                    copy.write(encoder.write_header())
                copy.write(encoder.write_batch(batch))
            written += batch.num_rows
        if encoder is not None:
            copy.write(encoder.finish())
    return written


def lock_table_for_load(cursor: psycopg.Cursor, table: sa.Table) -> None:
    """Serialise loads into one table for the rest of the transaction.

    Two runs of the same partition at once then write one after the other, and the second one's
    delete-then-copy sees the first one's rows, instead of failing on the primary key.
    """
    cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (table.fullname,))


def replace_partitions(
    cursor: psycopg.Cursor,
    table: sa.Table,
    partition_column: str,
    partition_values: Sequence[object],
    batches: Iterable[pa.RecordBatch],
    columns: Sequence[str],
) -> LoadResult:
    """Delete the partitions' rows, then write their new rows (binary COPY), inside the caller's
    transaction.

    A table partitioned by day (`postgresql_partition_by`, migration 0009) gets each new day as a
    table of its own: copied with no index, then attached, which builds the day's key in one sort
    (a 1M-row LinkedIn day: 2.7 s, against 5.2 s into a table that held other days). A day that
    has its partition is replaced in place, as in any other table.

    In a table of one piece, partitions the table held no row of are inserted in the primary
    key's order, from a temporary table: keys that arrive in order are appended where the last
    one went in the index, instead of each being looked for from its root (a first load of a
    1M-row day: 4.5 s, against 5.7 s in the API's order). Partitions being replaced are copied
    straight in: their keys land among the index entries of the rows just deleted, where the
    order buys nothing and the extra pass costs (a reload of that day: 12.0 s sorted, against
    10.5 s). Meanwhile the server's temporary space holds the new days twice: a 1M-row day's
    temporary table is 191 MB, and its sort spills 172 MB past `work_mem`.

    Running it twice leaves the table exactly as running it once; a failure before commit leaves
    the previous content.
    """
    lock_table_for_load(cursor, table)
    if table.dialect_options["postgresql"]["partition_by"]:
        return _replace_day_partitions(
            cursor, table, partition_column, partition_values, batches, columns
        )
    deleted = _delete_partitions(cursor, table, partition_column, partition_values)
    if deleted:
        written = copy_batches(cursor, qualified(table), columns, batches, binary=True)
        return LoadResult(deleted=deleted, written=written)
    incoming = _copy_to_temporary_table(cursor, table, batches, columns, binary=True)
    key = [column.name for column in table.primary_key.columns]
    cursor.execute(
        sql.SQL("INSERT INTO {} ({columns}) SELECT {columns} FROM {} ORDER BY {key}").format(
            qualified(table), incoming, columns=_column_list(columns), key=_column_list(key)
        )
    )
    return LoadResult(deleted=0, written=cursor.rowcount)


def _delete_partitions(
    cursor: psycopg.Cursor, table: sa.Table, column: str, values: Sequence[object]
) -> int:
    if not values:
        return 0
    # The range is redundant with ANY() but tells the planner how few rows it touches: with ANY()
    # alone it scanned the whole table once a year was loaded (4 s at 25M rows, and growing),
    # with the range it walks the primary key's leading column, however big the table gets.
    cursor.execute(
        sql.SQL("DELETE FROM {} WHERE {column} BETWEEN %s AND %s AND {column} = ANY(%s)").format(
            qualified(table), column=sql.Identifier(column)
        ),
        (min(values), max(values), list(values)),
    )
    return cursor.rowcount


def _replace_day_partitions(
    cursor: psycopg.Cursor,
    table: sa.Table,
    day_column: str,
    days: Sequence[object],
    batches: Iterable[pa.RecordBatch],
    columns: Sequence[str],
) -> LoadResult:
    """Each day's rows are copied into the day's own table: a new one, unattached and with no
    index, for a day without a partition; the day's partition, emptied first, for one with. Then
    the new days are attached. Every day has a COPY of its own, so a row PostgreSQL refuses is
    placed by the day's table and its line (`copy_position`)."""
    targets: dict[object, sql.Composable] = {}
    new_days = []
    for day in days:
        cursor.execute(
            "SELECT day_table, created FROM ops.day_partition(%s::regclass, %s)",
            (table.fullname, day),
        )
        name, created = cursor.fetchone()
        targets[day] = sql.SQL(name)  # quoted by the function
        if created:
            new_days.append(day)
    deleted = _delete_partitions(
        cursor, table, day_column, [day for day in days if day not in new_days]
    )

    def routed() -> Iterable[tuple[object, pa.RecordBatch]]:
        for batch in batches:
            for day, rows in _split_by(batch, day_column):
                if day not in targets:
                    raise ValueError(
                        f"a row for {day_column} {day} is not among the days being loaded "
                        f"into {table.fullname}: {', '.join(map(str, days))}"
                    )
                yield day, rows

    written = 0
    for day, pieces in itertools.groupby(routed(), key=lambda piece: piece[0]):
        written += copy_batches(
            cursor, targets[day], columns, (rows for _, rows in pieces), binary=True
        )
    for day in new_days:
        cursor.execute("SELECT ops.attach_day_partition(%s::regclass, %s)", (table.fullname, day))
    return LoadResult(deleted=deleted, written=written)


def _split_by(batch: pa.RecordBatch, column: str) -> Iterable[tuple[object, pa.RecordBatch]]:
    """The batch's rows by their value of `column`, in one piece when they share one (a staged
    day's batches all do)."""
    values = batch.column(column)
    distinct = pc.unique(values)
    if len(distinct) <= 1:
        if len(distinct):
            yield distinct[0].as_py(), batch
        return
    for value in distinct:
        yield value.as_py(), batch.filter(pc.equal(values, value))


def delete_time_ranges(
    cursor: psycopg.Cursor,
    table: sa.Table,
    time_column: str,
    ranges: Sequence[tuple[datetime, datetime]],
) -> int:
    """Delete the rows whose `time_column` lies in any of the [start, end) ranges, inside the
    caller's transaction; returns how many went."""
    lock_table_for_load(cursor, table)
    statement = sql.SQL("DELETE FROM {} WHERE {column} >= %s AND {column} < %s").format(
        qualified(table), column=sql.Identifier(time_column)
    )
    deleted = 0
    for start, end in ranges:
        cursor.execute(statement, (start, end))
        deleted += cursor.rowcount
    return deleted


def count_rows_in_ranges(
    cursor: psycopg.Cursor,
    table: sa.Table,
    column: str,
    ranges: Sequence[tuple[object, object]],
) -> list[int]:
    """How many rows have their `column` in each [start, end) range: one indexed count each."""
    statement = sql.SQL("SELECT count(*) FROM {} WHERE {column} >= %s AND {column} < %s").format(
        qualified(table), column=sql.Identifier(column)
    )
    counts = []
    for start, end in ranges:
        cursor.execute(statement, (start, end))
        counts.append(cursor.fetchone()[0])
    return counts


def _copy_to_temporary_table(
    cursor: psycopg.Cursor,
    table: sa.Table,
    batches: Iterable[pa.RecordBatch],
    columns: Sequence[str],
    *,
    binary: bool = False,
) -> sql.Identifier:
    """COPY the batches into a temporary copy of `table` (dropped at commit); returns the
    temporary table's name. The caller has locked `table` for the load. `binary` as for
    copy_batches."""
    staging = sql.Identifier(f"{INCOMING}{table.name}")
    cursor.execute(
        sql.SQL("CREATE TEMPORARY TABLE {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DROP").format(
            staging, qualified(table)
        )
    )
    copy_batches(cursor, staging, columns, batches, binary=binary)
    return staging


def insert_new_rows(
    cursor: psycopg.Cursor,
    table: sa.Table,
    batches: Iterable[pa.RecordBatch],
    columns: Sequence[str],
    *,
    fill_columns: Sequence[str] = (),
    binary: bool = False,
) -> tuple[int, int]:
    """Insert the rows whose primary key the table does not hold yet; a row already there keeps
    its values, except that `fill_columns` it has no value for are filled in. Duplicates within
    the input count once. Returns (rows inserted, rows filled in). `binary` as for
    copy_batches."""
    keys = [column.name for column in table.primary_key.columns]
    lock_table_for_load(cursor, table)
    staging = _copy_to_temporary_table(cursor, table, batches, columns, binary=binary)
    target = qualified(table)
    if fill_columns:
        on_conflict = sql.SQL(
            "DO UPDATE SET {assignments}, loaded_at = now() WHERE {missing}"
        ).format(
            assignments=sql.SQL(", ").join(
                sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(column))
                for column in fill_columns
            ),
            missing=sql.SQL(" OR ").join(
                sql.SQL("({target}.{0} IS NULL AND EXCLUDED.{0} IS NOT NULL)").format(
                    sql.Identifier(column), target=target
                )
                for column in fill_columns
            ),
        )
    else:
        on_conflict = sql.SQL("DO NOTHING")
    # Ordered by the key and then by how much each duplicate knows, so the fullest copy of a row
    # is the one that counts.
    fullest = sql.SQL("").join(
        sql.SQL(", {} IS NULL").format(sql.Identifier(column)) for column in fill_columns
    )
    cursor.execute(
        sql.SQL(
            "WITH written AS ("
            "INSERT INTO {target} ({columns}) "
            "SELECT DISTINCT ON ({keys}) {columns} FROM {staging} ORDER BY {keys}{fullest} "
            "ON CONFLICT ({keys}) {on_conflict} RETURNING xmax = 0 AS inserted) "
            "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
            "FROM written"
        ).format(
            target=target,
            columns=_column_list(columns),
            keys=_column_list(keys),
            staging=staging,
            fullest=fullest,
            on_conflict=on_conflict,
        )
    )
    inserted, filled = cursor.fetchone()
    cursor.execute(sql.SQL("DROP TABLE {}").format(staging))
    return inserted, filled


def upsert_batches(
    cursor: psycopg.Cursor,
    table: sa.Table,
    batches: Iterable[pa.RecordBatch],
    columns: Sequence[str],
    *,
    newer_column: str | None,
) -> int:
    """Insert or update rows by primary key. With `newer_column`, a row only replaces one that is
    not newer than it; without, the incoming row always wins.

    Rows go to a temporary copy of the table first, so duplicates within the input collapse to one
    per key (the newest, with `newer_column`) instead of failing the statement.
    """
    written, _ = upsert_batches_watching(
        cursor, table, batches, columns, newer_column=newer_column, watch=()
    )
    return written


def upsert_batches_watching(
    cursor: psycopg.Cursor,
    table: sa.Table,
    batches: Iterable[pa.RecordBatch],
    columns: Sequence[str],
    *,
    newer_column: str | None,
    watch: Sequence[str],
) -> tuple[int, int]:
    """`upsert_batches`, also counting the rows already there whose `watch` columns the upsert
    changes (a renamed content item): (rows written, rows whose watched columns changed)."""
    keys = [column.name for column in table.primary_key.columns]
    lock_table_for_load(cursor, table)
    staging = _copy_to_temporary_table(cursor, table, batches, columns)
    updates = [column for column in columns if column not in keys]
    if newer_column is None:
        order, only_if_newer = sql.SQL(""), sql.SQL("")
        still_newer = sql.SQL("")
    else:
        newer = sql.Identifier(newer_column)
        order = sql.SQL(", {} DESC").format(newer)
        only_if_newer = sql.SQL(" WHERE {target}.{newer} <= EXCLUDED.{newer}").format(
            target=qualified(table), newer=newer
        )
        still_newer = sql.SQL(" AND t.{newer} <= s.{newer}").format(newer=newer)
    incoming = sql.SQL(
        "SELECT DISTINCT ON ({keys}) {columns} FROM {staging} ORDER BY {keys}{order}"
    ).format(keys=_column_list(keys), columns=_column_list(columns), staging=staging, order=order)
    changed = 0
    if watch:
        cursor.execute(
            sql.SQL(
                "SELECT count(*) FROM ({incoming}) AS s JOIN {target} AS t USING ({keys}) "
                "WHERE ({old}) IS DISTINCT FROM ({new}){still_newer}"
            ).format(
                incoming=incoming,
                target=qualified(table),
                keys=_column_list(keys),
                old=sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in watch),
                new=sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(c)) for c in watch),
                still_newer=still_newer,
            )
        )
        changed = cursor.fetchone()[0]
    statement = sql.SQL(
        "INSERT INTO {target} ({columns}) {incoming} "
        "ON CONFLICT ({keys}) DO UPDATE SET {assignments}, loaded_at = now(){only_if_newer}"
    ).format(
        target=qualified(table),
        columns=_column_list(columns),
        keys=_column_list(keys),
        incoming=incoming,
        only_if_newer=only_if_newer,
        assignments=sql.SQL(", ").join(
            sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(column)) for column in updates
        ),
    )
    cursor.execute(statement)
    written = cursor.rowcount
    cursor.execute(sql.SQL("DROP TABLE {}").format(staging))
    return written, changed


def count_older_rows(cursor: psycopg.Cursor, table: sa.Table, time_column: str) -> tuple[int, int]:
    """(rows whose `time_column` is older than the newest one, all rows) of a snapshot table."""
    cursor.execute(
        sql.SQL(
            "SELECT count(*) FILTER (WHERE {column} < newest), count(*) "
            "FROM {table}, (SELECT max({column}) AS newest FROM {table}) AS latest"
        ).format(table=qualified(table), column=sql.Identifier(time_column))
    )
    older, total = cursor.fetchone()
    return older, total


def replace_rows(
    cursor: psycopg.Cursor,
    table: sa.Table,
    where: dict[str, object],
    batches: Iterable[pa.RecordBatch],
    columns: Sequence[str],
) -> LoadResult:
    """Delete the rows whose columns equal `where`, then COPY the new ones, in the caller's
    transaction."""
    lock_table_for_load(cursor, table)
    condition = sql.SQL(" AND ").join(
        sql.SQL("{} = %s").format(sql.Identifier(column)) for column in where
    )
    cursor.execute(
        sql.SQL("DELETE FROM {} WHERE {}").format(qualified(table), condition), list(where.values())
    )
    deleted = cursor.rowcount
    return LoadResult(
        deleted=deleted, written=copy_batches(cursor, qualified(table), columns, batches)
    )


def upsert_row(
    cursor: psycopg.Cursor,
    table: sa.Table,
    row: dict[str, object],
    *,
    add_up: Sequence[str] = (),
) -> None:
    """Insert one row, or update the row with its primary key; the `add_up` columns of an
    existing row are increased by the new values instead of replaced."""
    keys = [column.name for column in table.primary_key.columns]
    updates = [column for column in row if column not in keys]

    def assignment(column: str) -> sql.Composable:
        if column in add_up:
            return sql.SQL("{0} = {table}.{0} + EXCLUDED.{0}").format(
                sql.Identifier(column), table=qualified(table)
            )
        return sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(column))

    cursor.execute(
        sql.SQL(
            "INSERT INTO {table} ({columns}) VALUES ({values}) "
            "ON CONFLICT ({keys}) DO UPDATE SET {assignments}, loaded_at = now()"
        ).format(
            table=qualified(table),
            columns=_column_list(list(row)),
            values=sql.SQL(", ").join(sql.Placeholder() for _ in row),
            keys=_column_list(keys),
            assignments=sql.SQL(", ").join(assignment(column) for column in updates),
        ),
        list(row.values()),
    )
