"""Erased learners stay erased: the keys every load leaves out (ops.suppressed_learners).

An erased learner's e-mail and source ids are never kept, only their HMACs under the pseudonym
secret: the learner key of the e-mail, and the source-scoped key of each source id (identity.py).
A load computes the same keys for the distinct values of a batch's learner columns (a few
thousand a day, not one per row) and drops the rows whose key is suppressed, before COPY.

Where each source names a learner (its tables and staged files alike) is a `LearnerColumns`, in
the source's own `load.py`; the erasure job reads the same declarations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from psycopg import sql

from learning_platform.lib.identity import Pseudonymizer, normalise_email
from learning_platform.lib.warehouse.tables import ops


@dataclass(frozen=True)
class LearnerColumns:
    """Where a table, and the staged part it is loaded from, names a learner.

    emails: columns holding an e-mail. ids: (column, source) pairs holding that source's id of a
    learner. staged: the (source, stream, part) files loaded into the table, with the same columns.
    """

    table: sa.Table
    emails: tuple[str, ...] = ()
    ids: tuple[tuple[str, str], ...] = ()
    staged: tuple[tuple[str, str, str], ...] = ()


# Loads hold it shared for their whole transaction, an erasure alone: an erasure waits for the
# loads under way, and a load that starts meanwhile waits for it, then reads the keys it added.
ERASURE_LOCK = "learning_platform.erasure"


def lock_out_erasures(cursor: psycopg.Cursor) -> None:
    """For the rest of the caller's transaction, no erasure commits (loads share this lock)."""
    cursor.execute("SELECT pg_advisory_xact_lock_shared(hashtextextended(%s, 0))", (ERASURE_LOCK,))


def lock_out_loads(cursor: psycopg.Cursor) -> None:
    """For the rest of the caller's transaction, no load runs (the erasure's side of the lock)."""
    cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (ERASURE_LOCK,))


@dataclass
class Suppression:
    """The suppressed keys of a load's transaction; `removed` counts the rows it left out."""

    keys: frozenset[str]
    pseudonymizer: Callable[[], Pseudonymizer]
    removed: int = 0
    _known: dict[tuple[str, str], bool] = field(default_factory=dict)

    @classmethod
    def read(cls, cursor: psycopg.Cursor, secret: str | None) -> Suppression:
        """The keys as of the caller's transaction, which no erasure can outrun from here on. The
        secret is needed only if there are any (a missing one then fails the load, naming the
        variable)."""
        lock_out_erasures(cursor)
        cursor.execute(
            sql.SQL("SELECT suppression_key FROM {}").format(
                sql.Identifier(ops.SCHEMA, ops.suppressed_learners.name)
            )
        )
        keys = frozenset(row[0] for row in cursor.fetchall())
        return cls(keys, lambda: Pseudonymizer.from_secret(secret))

    def _is_suppressed(self, pseudonymizer: Pseudonymizer, source: str | None, value: str) -> bool:
        """source None: `value` is an e-mail; otherwise that source's learner id."""
        known = self._known.get((source or "", value))
        if known is None:
            if source is None:
                email = normalise_email(value)
                key = pseudonymizer.learner_key(email) if email else None
            else:
                key = pseudonymizer.source_scoped_key(source, value)
            known = self._known[(source or "", value)] = key in self.keys
        return known

    def filter(
        self, batches: Iterable[pa.RecordBatch], learner: LearnerColumns
    ) -> Iterator[pa.RecordBatch]:
        """The batches without the rows of suppressed learners (unchanged when nobody is)."""
        if not self.keys or not (learner.emails or learner.ids):
            yield from batches
            return
        pseudonymizer = self.pseudonymizer()
        columns = [(name, None) for name in learner.emails] + list(learner.ids)
        for batch in batches:
            drop = None
            for name, source in columns:
                if name not in batch.schema.names:
                    continue
                column = batch.column(name)
                suppressed = [
                    value
                    for value in pc.unique(column).to_pylist()
                    if value is not None and self._is_suppressed(pseudonymizer, source, value)
                ]
                if suppressed:
                    hit = pc.is_in(column, value_set=pa.array(suppressed, column.type))
                    drop = hit if drop is None else pc.or_(drop, hit)
            if drop is not None:
                kept = batch.filter(pc.invert(pc.fill_null(drop, False)))
                self.removed += batch.num_rows - kept.num_rows
                batch = kept
            yield batch


def suppression_keys(
    pseudonymizer: Pseudonymizer,
    learner_key: str,
    ids: Iterable[tuple[str, str]],
) -> set[str]:
    """The keys that suppress a learner: their learner key, and the key of each (source, id)."""
    return {learner_key} | {pseudonymizer.source_scoped_key(source, value) for source, value in ids}
