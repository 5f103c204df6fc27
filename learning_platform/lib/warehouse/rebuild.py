"""Rebuilding a whole table so that a reader sees the old rows or the new ones, never an empty or
half-built table.

Everything happens in the caller's transaction:
- while the live table already has the declared columns, its rows are deleted and the new ones
  inserted: MVCC keeps showing readers the old rows until the commit, at any isolation level, and
  nobody waits for anybody;
- when the table is missing or its declaration changed (a new column, a new type), the new table is
  built beside it as `<name>__next` and renamed into place at the end. Readers wait for the
  rename's instant at most; a READ COMMITTED query that waited then reads the new table. (A
  REPEATABLE READ snapshot older than the rename would see the new table empty, as after any DDL
  rewrite in PostgreSQL: this is why only a changed declaration, once per deploy, swaps.)
A transaction-scoped advisory lock keeps two rebuilds of one table from racing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import psycopg
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.dialects import postgresql

from learning_platform.lib.warehouse.loads import qualified

_DIALECT = postgresql.dialect()

# Writes the rows into the table named by the composable, with these columns; returns their number.
Fill = Callable[[psycopg.Cursor, sql.Composable, Sequence[str]], int]


@dataclass(frozen=True)
class RebuildResult:
    rows: int
    created: bool  # a new table was swapped in (first build, or a changed declaration)


def select_fill(select: str, params: Mapping[str, object] | None = None) -> Fill:
    """Fill from a SELECT, with its `%(name)s` parameters bound from `params`. Its columns are
    taken by name, so their order in the query does not matter, and one the declaration has but
    the query lacks fails naming the column."""

    def fill(cursor: psycopg.Cursor, target: sql.Composable, columns: Sequence[str]) -> int:
        names = sql.SQL(", ").join(sql.Identifier(column) for column in columns)
        cursor.execute(
            sql.SQL("INSERT INTO {} ({}) SELECT {} FROM ({}) AS built").format(
                target, names, names, sql.SQL(select)
            ),
            params,
        )
        return cursor.rowcount

    return fill


def rebuild_table(
    cursor: psycopg.Cursor,
    table: sa.Table,
    fill: Fill,
    *,
    readers: Sequence[str] = (),
) -> RebuildResult:
    """Replace every row of `table` with what `fill` writes, atomically for readers.

    fill(cursor, target, column names) writes the rows into `target`. readers: roles granted SELECT.
    """
    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"rebuild {table.fullname}"])
    columns = [column.name for column in table.columns]
    live = qualified(table)
    if _live_definition(cursor, table) == _declared_definition(table):
        cursor.execute(sql.SQL("DELETE FROM {}").format(live))
        rows = fill(cursor, live, columns)
        _describe(cursor, table, live)
        cursor.execute(sql.SQL("ANALYZE {}").format(live))
        return RebuildResult(rows=rows, created=False)

    next_name = f"{table.name}__next"
    building = sql.Identifier(table.schema, next_name)
    cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(building))
    cursor.execute(_create_statement(table, next_name))
    rows = fill(cursor, building, columns)
    for index in table.indexes:
        cursor.execute(
            sql.SQL("CREATE INDEX {} ON {} ({})").format(
                sql.Identifier(f"{index.name}__next"),
                building,
                sql.SQL(", ").join(sql.Identifier(column.name) for column in index.columns),
            )
        )
    for role in readers:
        cursor.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(building, sql.Identifier(role)))
    previous = f"{table.name}__previous"
    cursor.execute(
        sql.SQL("ALTER TABLE IF EXISTS {} RENAME TO {}").format(live, sql.Identifier(previous))
    )
    cursor.execute(
        sql.SQL("ALTER TABLE {} RENAME TO {}").format(building, sql.Identifier(table.name))
    )
    cursor.execute(
        sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table.schema, previous))
    )
    # The dropped table's names are free again: give the new one's the declared names.
    cursor.execute(
        sql.SQL("ALTER TABLE {} RENAME CONSTRAINT {} TO {}").format(
            live, sql.Identifier(f"{next_name}_pkey"), sql.Identifier(f"{table.name}_pkey")
        )
    )
    for index in table.indexes:
        cursor.execute(
            sql.SQL("ALTER INDEX {} RENAME TO {}").format(
                sql.Identifier(table.schema, f"{index.name}__next"), sql.Identifier(index.name)
            )
        )
    _describe(cursor, table, live)
    cursor.execute(sql.SQL("ANALYZE {}").format(live))
    return RebuildResult(rows=rows, created=True)


def _create_statement(table: sa.Table, name: str) -> sql.Composable:
    columns = [
        sql.SQL("{} {}{}").format(
            sql.Identifier(column.name),
            sql.SQL(column.type.compile(dialect=_DIALECT)),
            sql.SQL("" if column.nullable else " NOT NULL"),
        )
        for column in table.columns
    ]
    columns.append(
        sql.SQL("CONSTRAINT {} PRIMARY KEY ({})").format(
            sql.Identifier(f"{name}_pkey"),
            sql.SQL(", ").join(sql.Identifier(c.name) for c in table.primary_key.columns),
        )
    )
    return sql.SQL("CREATE TABLE {} ({})").format(
        sql.Identifier(table.schema, name), sql.SQL(", ").join(columns)
    )


def _describe(cursor: psycopg.Cursor, table: sa.Table, target: sql.Composable) -> None:
    """The declaration's comments, for `\\d+` and any catalog browser."""
    if table.comment:
        cursor.execute(
            sql.SQL("COMMENT ON TABLE {} IS {}").format(target, sql.Literal(table.comment))
        )
    for column in table.columns:
        if column.comment:
            cursor.execute(
                sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(
                    target, sql.Identifier(column.name), sql.Literal(column.comment)
                )
            )


def _declared_definition(table: sa.Table) -> tuple:
    columns = tuple(
        (
            column.name,
            column.type.compile(dialect=_DIALECT).lower().replace(", ", ","),
            not column.nullable,
        )
        for column in table.columns
    )
    return columns, tuple(column.name for column in table.primary_key.columns)


def _live_definition(cursor: psycopg.Cursor, table: sa.Table) -> tuple | None:
    name = f"{table.schema}.{table.name}"
    cursor.execute(
        """
        SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
        FROM pg_attribute a
        WHERE a.attrelid = to_regclass(%(name)s) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """,
        {"name": name},
    )
    columns = tuple((row[0], row[1].replace(", ", ","), row[2]) for row in cursor.fetchall())
    if not columns:
        return None
    cursor.execute(
        """
        SELECT a.attname
        FROM pg_index i
        CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indrelid = to_regclass(%(name)s) AND i.indisprimary
        ORDER BY k.position
        """,
        {"name": name},
    )
    return columns, tuple(row[0] for row in cursor.fetchall())
