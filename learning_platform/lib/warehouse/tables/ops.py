"""What the platform keeps for itself: the change log the reporting layer refreshes from.

Every load, in its own transaction, notes what it changed for the marts (a source's day, a learner,
or everything); each incremental model remembers the oldest transaction still running when it last
read the log (`pg_snapshot_xmin`), and next time reads every change from that transaction on. A
change is never missed, whenever its transaction commits; at worst it is applied twice, which
rewrites the same rows. Nobody but the platform reads this schema.
"""

from __future__ import annotations

import sqlalchemy as sa

from learning_platform.lib.warehouse.tables.declarations import metadata

SCHEMA = "ops"

# kind: day (source, YYYY-MM-DD) from loads; learner (learner key) from the directory; all (why)
# when something every event may show changed (a re-keyed learner, a renamed content item); and,
# written by learning_events for the marts built from it, event_day and content.
KINDS = ("day", "learner", "all", "event_day", "content")

reporting_changes = sa.Table(
    "reporting_changes",
    metadata,
    sa.Column("change_id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column(
        "kind",
        sa.Text,
        sa.CheckConstraint(
            "kind IN ('day', 'learner', 'all', 'event_day', 'content')",
            name="reporting_changes_kind_check",
        ),
        nullable=False,
    ),
    sa.Column("source", sa.Text, comment="linkedin_learning, thrive or thought_industries."),
    sa.Column("key", sa.Text, comment="The day, learner key or content id that changed."),
    sa.Column(
        "xact_id",
        sa.BigInteger,
        nullable=False,
        server_default=sa.text("(pg_current_xact_id())::text::bigint"),
        comment="The transaction that made the change.",
    ),
    sa.Column(
        "recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Index("reporting_changes_xact_id_idx", "xact_id"),
    schema=SCHEMA,
    comment="What changed for the reporting layer, by whom (the transaction).",
)

reporting_builds = sa.Table(
    "reporting_builds",
    metadata,
    sa.Column("model", sa.Text, primary_key=True, comment="An incremental dbt model."),
    sa.Column(
        "snapshot_xmin",
        sa.BigInteger,
        nullable=False,
        comment="The oldest transaction still running when the model last read the change log: "
        "it reads from there next time.",
    ),
    sa.Column("built_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    schema=SCHEMA,
    comment="Where each incremental model stopped reading ops.reporting_changes.",
)
