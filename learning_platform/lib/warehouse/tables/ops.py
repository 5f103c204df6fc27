"""What the platform keeps for itself: the change log the reporting layer refreshes from.

Every load, in its own transaction, notes what it changed for the marts (a source's day, a learner,
or everything); each incremental model remembers the oldest transaction still running when it last
read the log (`pg_snapshot_xmin`), and next time reads every change from that transaction on. A
change is never missed, whenever its transaction commits; at worst it is applied twice, which
rewrites the same rows. Nobody but the platform reads this schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from learning_platform.lib.warehouse.tables.declarations import metadata

SCHEMA = "ops"

# kind: what changed, at which grain. Loads note `day` (source, YYYY-MM-DD), the directory
# `learner` (a learner key), either `all` (why) when something every event may show changed (a
# re-keyed learner, a renamed content item). The dbt models note, for the models built from them,
# the grains those are keyed by (event_day, content, engagement, learner, and `all` with their own
# name as source when built whole): the dbt project's to extend, so no check on the values.
SOURCE_COMMENT = (
    "The source (linkedin_learning, thrive, thought_industries), or the model noting all."
)
KEY_COMMENT = "What changed: a day, a learner key, a content id, [learner key, content id]."

reporting_changes = sa.Table(
    "reporting_changes",
    metadata,
    sa.Column("change_id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("source", sa.Text, comment=SOURCE_COMMENT),
    sa.Column("key", sa.Text, comment=KEY_COMMENT),
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

# Erasure (GDPR Art. 17): what was asked and done, and who must never come back. Neither table holds
# an e-mail, a name or a source id in clear: keys are HMACs under the pseudonym secret.
erasure_requests = sa.Table(
    "erasure_requests",
    metadata,
    sa.Column("request_id", sa.Uuid, primary_key=True),
    sa.Column(
        "learner_key",
        sa.Text,
        nullable=False,
        comment="The erased learner's key (HMAC of the e-mail, or of a source id).",
    ),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column(
        "warehouse_erased_at",
        sa.DateTime(timezone=True),
        comment="When the warehouse's transaction (rows deleted, keys suppressed) committed.",
    ),
    sa.Column(
        "completed_at",
        sa.DateTime(timezone=True),
        comment="When the staged files were rewritten too; null while that is still to do.",
    ),
    sa.Column("run_id", sa.Text, nullable=False, comment="The Dagster run that carried it out."),
    sa.Column(
        "rows_removed",
        JSONB,
        nullable=False,
        server_default=sa.text("'{}'::jsonb"),
        comment="Rows deleted, by table (schema.table).",
    ),
    sa.Column(
        "staged_rows_removed",
        JSONB,
        nullable=False,
        server_default=sa.text("'{}'::jsonb"),
        comment="Rows removed from staged files, by file (under the staging area).",
    ),
    schema=SCHEMA,
    comment="Every erasure request: the audit trail, without the e-mail.",
)

suppressed_learners = sa.Table(
    "suppressed_learners",
    metadata,
    sa.Column(
        "suppression_key",
        sa.Text,
        primary_key=True,
        comment="An erased learner's key, or the HMAC of one of their source ids (source:id).",
    ),
    sa.Column(
        "request_id",
        sa.Uuid,
        sa.ForeignKey(f"{SCHEMA}.erasure_requests.request_id"),
        nullable=False,
    ),
    sa.Column(
        "suppressed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    schema=SCHEMA,
    comment="Learners every load leaves out, so that no re-pull or re-drop brings them back.",
)
