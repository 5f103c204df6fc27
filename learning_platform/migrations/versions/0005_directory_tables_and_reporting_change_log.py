"""The directory's tables under migrations, and the change log the reporting layer refreshes from.

- `directory.learner_identities` and `directory.learners` were created by the old hand-made rebuild
  of the reporting layer; the directory asset now writes them in place, so migrations own them
  (created here where they do not exist yet, left as they are where they do).
- `ops`: the platform's own schema. `ops.reporting_changes` is what every load notes for the marts
  (a day of a source, a learner, everything), stamped with its transaction; `ops.reporting_builds`
  is where each incremental dbt model stopped reading it. Nobody but the platform reads `ops`.
- The hand-made marts of revision 0004's era are dropped: the dbt project builds them anew, under
  the same names, with their contracts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 08:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

HAND_MADE_MARTS = (
    "learning_events",
    "learner_summary",
    "daily_engagement",
    "content_engagement",
    "cpd_hours_monthly",
    "enrollment_funnel",
)

LEARNER_KEY = (
    "The learner's pseudonymous key: an HMAC of the trimmed, lower-cased e-mail (or of the "
    "source's own id when the source gives no e-mail). The same in every source."
)
KEYED_BY = "email, or source_id for a learner a source gives no e-mail for."


def _exists(table: str, schema: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(table, schema=schema)


def upgrade() -> None:
    for mart in HAND_MADE_MARTS:
        op.execute(f"DROP TABLE IF EXISTS reporting.{mart}")
    if not _exists("learner_identities", "directory"):
        op.create_table(
            "learner_identities",
            sa.Column(
                "source",
                sa.Text(),
                nullable=False,
                comment="linkedin_learning, thrive or thought_industries.",
            ),
            sa.Column(
                "source_learner_id",
                sa.Text(),
                nullable=False,
                comment="The learner in the source: the LinkedIn learner urn, the Thrive user id, "
                "the normalised e-mail for Thought Industries (its exports have no other id).",
            ),
            sa.Column("learner_key", sa.Text(), nullable=False, comment=LEARNER_KEY),
            sa.Column(
                "email",
                sa.Text(),
                nullable=True,
                comment="The e-mail as the source gives it; null if it gives none.",
            ),
            sa.Column(
                "name",
                sa.Text(),
                nullable=True,
                comment="The name as the source gives it, when it gives one.",
            ),
            sa.Column("keyed_by", sa.Text(), nullable=False, comment=KEYED_BY),
            sa.PrimaryKeyConstraint("source", "source_learner_id"),
            schema="directory",
            comment="Every learner id of every source, with the learner key it maps to.",
        )
        op.create_index(
            "learner_identities_learner_key_idx",
            "learner_identities",
            ["learner_key"],
            schema="directory",
        )
    if not _exists("learners", "directory"):
        op.create_table(
            "learners",
            sa.Column("learner_key", sa.Text(), nullable=False, comment=LEARNER_KEY),
            sa.Column(
                "email",
                sa.Text(),
                nullable=True,
                comment="The normalised e-mail the key was made from; null for a source-scoped "
                "key.",
            ),
            sa.Column(
                "names",
                postgresql.ARRAY(sa.Text()),
                nullable=False,
                comment="Every name the sources give.",
            ),
            sa.Column(
                "linkedin_learner_urns",
                postgresql.ARRAY(sa.Text()),
                nullable=False,
                comment="LinkedIn learner urns.",
            ),
            sa.Column(
                "thrive_user_ids",
                postgresql.ARRAY(sa.Text()),
                nullable=False,
                comment="Thrive user ids.",
            ),
            sa.Column(
                "in_thought_industries",
                sa.Boolean(),
                nullable=False,
                comment="True when Thought Industries exports carry this e-mail.",
            ),
            sa.Column("keyed_by", sa.Text(), nullable=False, comment=KEYED_BY),
            sa.PrimaryKeyConstraint("learner_key"),
            schema="directory",
            comment="One row per learner key: the e-mail, names and source ids behind it.",
        )

    op.execute("CREATE SCHEMA IF NOT EXISTS ops")
    op.execute("REVOKE ALL ON SCHEMA ops FROM PUBLIC")
    op.create_table(
        "reporting_changes",
        sa.Column("change_id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column(
            "source",
            sa.Text(),
            nullable=True,
            comment="linkedin_learning, thrive or thought_industries.",
        ),
        sa.Column(
            "key",
            sa.Text(),
            nullable=True,
            comment="The day, learner key or content id that changed.",
        ),
        sa.Column(
            "xact_id",
            sa.BigInteger(),
            server_default=sa.text("(pg_current_xact_id())::text::bigint"),
            nullable=False,
            comment="The transaction that made the change.",
        ),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('day', 'learner', 'all', 'event_day', 'content')",
            name="reporting_changes_kind_check",
        ),
        sa.PrimaryKeyConstraint("change_id"),
        schema="ops",
        comment="What changed for the reporting layer, by whom (the transaction).",
    )
    op.create_index("reporting_changes_xact_id_idx", "reporting_changes", ["xact_id"], schema="ops")
    op.create_table(
        "reporting_builds",
        sa.Column("model", sa.Text(), nullable=False, comment="An incremental dbt model."),
        sa.Column(
            "snapshot_xmin",
            sa.BigInteger(),
            nullable=False,
            comment="The oldest transaction still running when the model last read the change "
            "log: it reads from there next time.",
        ),
        sa.Column(
            "built_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("model"),
        schema="ops",
        comment="Where each incremental model stopped reading ops.reporting_changes.",
    )


def downgrade() -> None:
    op.drop_table("reporting_builds", schema="ops")
    op.drop_index("reporting_changes_xact_id_idx", table_name="reporting_changes", schema="ops")
    op.drop_table("reporting_changes", schema="ops")
    op.execute("DROP SCHEMA IF EXISTS ops")
    # The directory's tables stay: the hand-made rebuild of revision 0004's era wrote them too.
