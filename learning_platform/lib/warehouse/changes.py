"""Noting, in a load's own transaction, what it changed for the reporting layer
(ops.reporting_changes): the incremental marts refresh exactly that, however long the history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import psycopg
from psycopg import sql

from learning_platform.lib.warehouse.loads import qualified
from learning_platform.lib.warehouse.tables import ops


def _insert(cursor: psycopg.Cursor, rows: Iterable[tuple[str, str | None, str | None]]) -> int:
    rows = list(rows)
    if rows:
        cursor.executemany(
            sql.SQL("INSERT INTO {} (kind, source, key) VALUES (%s, %s, %s)").format(
                qualified(ops.reporting_changes)
            ),
            rows,
        )
    return len(rows)


def days_changed(cursor: psycopg.Cursor, source: str, days: Iterable[date]) -> int:
    """The source's rows of these days were replaced (its events of those days, for the marts)."""
    return _insert(cursor, (("day", source, day.isoformat()) for day in sorted(set(days))))


def learners_changed(cursor: psycopg.Cursor, learner_keys: Iterable[str]) -> int:
    """These learner keys appeared in the directory or left it."""
    return _insert(cursor, (("learner", None, key) for key in sorted(set(learner_keys))))


def everything_changed(cursor: psycopg.Cursor, why: str) -> None:
    """Something any event may show changed (a re-keyed learner, a renamed content item): the
    marts recompute everything, in place, once."""
    _insert(cursor, [("all", None, why)])
