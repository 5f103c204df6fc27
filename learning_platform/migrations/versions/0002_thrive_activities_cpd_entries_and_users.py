"""Thrive: activities, CPD entries and users.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 13:13:28.448277
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS thrive")
    op.create_table(
        "activities",
        sa.Column("id", sa.Text(), nullable=False, comment="The activity record's id (24-hex)."),
        sa.Column(
            "user_id",
            sa.Text(),
            nullable=False,
            comment="The Thrive user who acted; thrive.users holds their e-mail.",
        ),
        sa.Column(
            "type", sa.Text(), nullable=False, comment="The activity verb: viewed, completed, ..."
        ),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="`date`: when it happened; its UTC day is the partition.",
        ),
        sa.Column(
            "context_id",
            sa.Text(),
            nullable=True,
            comment="What it was done to (usually a content item).",
        ),
        sa.Column("context_type", sa.Text(), nullable=True, comment="contextType, e.g. content."),
        sa.Column(
            "content_type", sa.Text(), nullable=True, comment="contentType, when Thrive sends it."
        ),
        sa.Column(
            "name",
            sa.Text(),
            nullable=True,
            comment="The name of the context, when Thrive sends it.",
        ),
        sa.Column(
            "data",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=True,
            comment="`data`, as received (free-form, xAPI-like).",
        ),
        sa.Column(
            "with_context",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=True,
            comment="`with`, as received.",
        ),
        sa.Column(
            "loaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="When this row was written by the platform.",
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="thrive",
        comment="Thrive activity records, one row per record, partitioned by the UTC day of occurred_at.",
    )
    op.create_index(
        "activities_occurred_at_idx", "activities", ["occurred_at"], unique=False, schema="thrive"
    )
    op.create_index(
        "activities_user_id_idx", "activities", ["user_id"], unique=False, schema="thrive"
    )
    op.create_table(
        "cpd_entries",
        sa.Column("log_entry_id", sa.Text(), nullable=False, comment="logEntryId (24-hex)."),
        sa.Column(
            "user_id", sa.Text(), nullable=False, comment="The learner the entry belongs to."
        ),
        sa.Column(
            "content_type",
            sa.Text(),
            nullable=True,
            comment="activity.type: file, article, video, ...",
        ),
        sa.Column("content_name", sa.Text(), nullable=True, comment="activity.name."),
        sa.Column("category_id", sa.Text(), nullable=True, comment="category.categoryId."),
        sa.Column("category_name", sa.Text(), nullable=True, comment="category.name."),
        sa.Column(
            "entry_date",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="entryDate; its UTC day is the partition.",
        ),
        sa.Column("duration_minutes", sa.Integer(), nullable=False, comment="durationMinutes."),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "is_verified",
            sa.Boolean(),
            nullable=True,
            comment="True when the entry came from verified system activity, false when the learner logged it.",
        ),
        sa.Column(
            "loaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="When this row was written by the platform.",
        ),
        sa.CheckConstraint("duration_minutes >= 0", name="cpd_entries_duration_minutes_check"),
        sa.PrimaryKeyConstraint("log_entry_id"),
        schema="thrive",
        comment="Thrive CPD log entries, one row per entry, partitioned by the UTC day of entry_date.",
    )
    op.create_index(
        "cpd_entries_entry_date_idx", "cpd_entries", ["entry_date"], unique=False, schema="thrive"
    )
    op.create_index(
        "cpd_entries_user_id_idx", "cpd_entries", ["user_id"], unique=False, schema="thrive"
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Text(), nullable=False, comment="The Thrive user id (24-hex)."),
        sa.Column(
            "ref",
            sa.Text(),
            nullable=True,
            comment="The tenant's own reference of the user, when set.",
        ),
        sa.Column(
            "email",
            sa.Text(),
            nullable=True,
            comment="As Thrive gives it; null for users who log in by ref.",
        ),
        sa.Column("first_name", sa.Text(), nullable=True),
        sa.Column("last_name", sa.Text(), nullable=True),
        sa.Column(
            "role", sa.Text(), nullable=True, comment="administrator, learneradmin or learner."
        ),
        sa.Column("status", sa.Text(), nullable=True, comment="active, inactive, expired or new."),
        sa.Column(
            "snapshot_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="The latest snapshot that listed this user; older than the newest one if Thrive no longer does.",
        ),
        sa.Column(
            "loaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="When this row was written by the platform.",
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="thrive",
        comment="Thrive users, once each, as the latest snapshot of GET /users gave them.",
    )


def downgrade() -> None:
    op.drop_table("users", schema="thrive")
    op.drop_index("cpd_entries_user_id_idx", table_name="cpd_entries", schema="thrive")
    op.drop_index("cpd_entries_entry_date_idx", table_name="cpd_entries", schema="thrive")
    op.drop_table("cpd_entries", schema="thrive")
    op.drop_index("activities_user_id_idx", table_name="activities", schema="thrive")
    op.drop_index("activities_occurred_at_idx", table_name="activities", schema="thrive")
    op.drop_table("activities", schema="thrive")
    op.execute("DROP SCHEMA IF EXISTS thrive")
