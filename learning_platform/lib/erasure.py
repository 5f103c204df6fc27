"""Erasing a learner (GDPR Art. 17): every row and staged record that names them, and a
suppression so that no later load brings them back.

A request names a learner by key (the HMAC of the e-mail, as the marts show it): the e-mail itself
is never asked for, logged or stored. The learner's e-mails and source ids are found again by
keying every e-mail and id the warehouse holds, and the directory adds the ids it has joined.

Two stores, one transaction each: the warehouse (rows deleted, keys suppressed, the audit row), then
the staged files (each rewritten atomically). A request interrupted between the two is completed
by running it again: the second run finds nothing left in the warehouse and finishes the files.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
from psycopg import sql

from learning_platform.lib.identity import Pseudonymizer, normalise_email
from learning_platform.lib.staging import StagingArea
from learning_platform.lib.suppression import LearnerColumns, lock_out_loads
from learning_platform.lib.warehouse import changes
from learning_platform.lib.warehouse.loads import qualified
from learning_platform.lib.warehouse.roles import DBT_SCHEMAS
from learning_platform.lib.warehouse.tables import directory, ops


class LearnerNotFound(LookupError):
    """No table and no staged file knows the learner key."""


@dataclass(frozen=True, repr=False)
class Learner:
    """One learner as the sources name them. Its repr shows the key only: the rest is personal."""

    learner_key: str
    emails: frozenset[str]  # as stored (any case, any spaces)
    ids: frozenset[tuple[str, str]]  # (source, the source's id)

    def __repr__(self) -> str:
        return f"Learner({self.learner_key[:12]}…)"

    def ids_of(self, source: str) -> list[str]:
        """The learner's ids in that source, sorted."""
        return sorted(value for kind, value in self.ids if kind == source)


def _distinct(cursor: psycopg.Cursor, holder: LearnerColumns, column: str) -> list[str]:
    cursor.execute(
        sql.SQL("SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL").format(
            column=sql.Identifier(column), table=qualified(holder.table)
        )
    )
    return [row[0] for row in cursor.fetchall()]


def find_learner(
    cursor: psycopg.Cursor,
    pseudonymizer: Pseudonymizer,
    learner_key: str,
    holders: Sequence[LearnerColumns],
) -> Learner:
    """Every e-mail and source id of the learner with this key, in the warehouse as it is. No load
    runs from here to the end of the caller's transaction: one that starts meanwhile waits, then
    reads the keys the erasure suppressed."""
    lock_out_loads(cursor)
    emails: set[str] = set()
    ids: set[tuple[str, str]] = set()
    for holder in holders:
        for column in holder.emails:
            emails.update(
                value
                for value in _distinct(cursor, holder, column)
                if (normalised := normalise_email(value))
                and pseudonymizer.learner_key(normalised) == learner_key
            )
        for column, source in holder.ids:
            ids.update(
                (source, value)
                for value in _distinct(cursor, holder, column)
                if pseudonymizer.source_scoped_key(source, value) == learner_key
            )
    # The ids that came with one of the e-mails (a LinkedIn learner's urn, a Thrive user's id).
    for holder in holders:
        for email_column in holder.emails:
            for column, source in holder.ids:
                cursor.execute(
                    sql.SQL("SELECT DISTINCT {id} FROM {table} WHERE {email} = ANY(%s)").format(
                        id=sql.Identifier(column),
                        table=qualified(holder.table),
                        email=sql.Identifier(email_column),
                    ),
                    (sorted(emails),),
                )
                ids.update((source, row[0]) for row in cursor.fetchall())
    # ... and the ids the directory joined to the key (a Thrive user's id seen in its records).
    cursor.execute(
        sql.SQL("SELECT source, source_learner_id, email FROM {} WHERE learner_key = %s").format(
            qualified(directory.learner_identities)
        ),
        (learner_key,),
    )
    for source, source_id, email in cursor.fetchall():
        if source != "thought_industries":  # whose "id" is the normalised e-mail
            ids.add((source, source_id))
        if email:
            emails.add(email)
    return Learner(learner_key, frozenset(emails), frozenset(ids))


def _delete(
    cursor: psycopg.Cursor, table: sql.Composable, condition: sql.Composable, params
) -> int:
    cursor.execute(sql.SQL("DELETE FROM {} WHERE {}").format(table, condition), params)
    return cursor.rowcount


def erase_from_warehouse(
    cursor: psycopg.Cursor,
    learner: Learner,
    keys: set[str],
    holders: Sequence[LearnerColumns],
    *,
    request_id: uuid.UUID,
    requested_at: datetime,
    run_id: str,
) -> dict[str, int]:
    """In the caller's transaction: delete the learner's rows from every source table, the
    directory and every mart; suppress their keys; note that the marts must be recomputed; write
    the audit row. Returns the rows deleted by table (tables that had none included)."""
    removed: dict[str, int] = {}
    emails = sorted(learner.emails)
    for holder in holders:
        conditions, params = [], []
        for column in holder.emails:
            conditions.append(sql.SQL("{} = ANY(%s)").format(sql.Identifier(column)))
            params.append(emails)
        for column, source in holder.ids:
            conditions.append(sql.SQL("{} = ANY(%s)").format(sql.Identifier(column)))
            params.append(learner.ids_of(source))
        removed[holder.table.fullname] = _delete(
            cursor, qualified(holder.table), sql.SQL(" OR ").join(conditions), params
        )
    # Every table keyed by learner key: the directory, the marts and their intermediates (found in
    # the catalog, so that a mart added later is covered without a change here).
    cursor.execute(
        """
        SELECT table_schema, table_name FROM information_schema.columns
        WHERE column_name = 'learner_key' AND table_schema = ANY(%s)
          AND (table_schema, table_name) IN (
              SELECT table_schema, table_name FROM information_schema.tables
              WHERE table_type = 'BASE TABLE')
        ORDER BY 1, 2
        """,
        ([directory.SCHEMA, *DBT_SCHEMAS],),
    )
    for schema, name in cursor.fetchall():
        removed[f"{schema}.{name}"] = _delete(
            cursor, sql.Identifier(schema, name), sql.SQL("learner_key = ANY(%s)"), (sorted(keys),)
        )
    cursor.execute(
        sql.SQL(
            "INSERT INTO {} (request_id, learner_key, requested_at, warehouse_erased_at, run_id,"
            " rows_removed) VALUES (%s, %s, %s, now(), %s, %s)"
            " ON CONFLICT (request_id) DO UPDATE SET warehouse_erased_at = now(),"
            " rows_removed = EXCLUDED.rows_removed"
        ).format(qualified(ops.erasure_requests)),
        (request_id, learner.learner_key, requested_at, run_id, json.dumps(removed)),
    )
    cursor.executemany(
        sql.SQL(
            "INSERT INTO {} (suppression_key, request_id) VALUES (%s, %s)"
            " ON CONFLICT (suppression_key) DO NOTHING"
        ).format(qualified(ops.suppressed_learners)),
        [(key, request_id) for key in sorted(keys)],
    )
    # The aggregates (a day's active learners, a content item's completions) counted the learner:
    # the marts recompute everything once, in place.
    if any(removed.values()):
        changes.everything_changed(cursor, "a learner was erased")
    return removed


def erase_from_staging(
    area: StagingArea, learner: Learner, holders: Sequence[LearnerColumns]
) -> dict[str, int]:
    """Rewrite every staged file that holds the learner without their rows; returns the rows
    removed by file (files without any are left untouched)."""
    removed: dict[str, int] = {}
    for holder in holders:
        values: dict[str, list[str]] = {column: sorted(learner.emails) for column in holder.emails}
        for column, source in holder.ids:
            values[column] = learner.ids_of(source)
        values = {column: found for column, found in values.items() if found}
        if not values:
            continue
        for source, stream, part in holder.staged:
            removed.update(
                area.remove_rows(
                    values, casefold=holder.emails, under=f"{source}/{stream}", part=part
                )
            )
    return removed


def complete(cursor: psycopg.Cursor, request_id: uuid.UUID, staged_removed: dict[str, int]) -> None:
    """The staged files are done too: the request is complete."""
    cursor.execute(
        sql.SQL(
            "UPDATE {} SET completed_at = %s, staged_rows_removed = %s WHERE request_id = %s"
        ).format(qualified(ops.erasure_requests)),
        (datetime.now(UTC), json.dumps(staged_removed), request_id),
    )
