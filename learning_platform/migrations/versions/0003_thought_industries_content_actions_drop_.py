"""Thought Industries: content actions, drop files and rejects.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:34:02.034141
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS thought_industries")
    op.create_table(
        "content_action_rejects",
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column(
            "line", sa.BigInteger(), nullable=False, comment="Where the row starts in the file."
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "loaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="When this row was written by the platform.",
        ),
        sa.PrimaryKeyConstraint("file_name", "content_hash", "line"),
        schema="thought_industries",
        comment="Rows of drop files that could not be read, by file and line; the file itself is kept.",
    )
    op.create_table(
        "content_actions",
        sa.Column(
            "action_id",
            sa.Text(),
            nullable=False,
            comment="The natural key: a hash of the normalised e-mail, content type and title, type, source and timestamp.",
        ),
        sa.Column(
            "learner_email", sa.Text(), nullable=False, comment="Email, as the export gives it."
        ),
        sa.Column(
            "panorama_name",
            sa.Text(),
            nullable=True,
            comment="The client portal; blank in some exports, filled in from a later one.",
        ),
        sa.Column(
            "content_type",
            sa.Text(),
            nullable=True,
            comment="Content Type: course, video, webinar, ...",
        ),
        sa.Column("content_title", sa.Text(), nullable=False, comment="Content Title."),
        sa.Column(
            "action_type",
            sa.Text(),
            nullable=False,
            comment="Type: enrollment, status_change, revoked_access or certificate_grant.",
        ),
        sa.Column(
            "action_source",
            sa.Text(),
            nullable=False,
            comment="Source, normalised (lower case, - to _); its meaning depends on the Type.",
        ),
        sa.Column(
            "action_source_raw",
            sa.Text(),
            nullable=True,
            comment="Source exactly as the export wrote it.",
        ),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, comment="Timestamp."),
        sa.Column(
            "occurred_at_assumed_utc",
            sa.Boolean(),
            nullable=False,
            comment="True when the export's Timestamp had no time zone and was read as UTC.",
        ),
        sa.Column(
            "source_file", sa.Text(), nullable=False, comment="The drop file that first brought it."
        ),
        sa.Column("line", sa.BigInteger(), nullable=False, comment="Its line in that file."),
        sa.Column(
            "loaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="When this row was written by the platform.",
        ),
        sa.PrimaryKeyConstraint("action_id"),
        schema="thought_industries",
        comment="Thought Industries content actions, one row per action, however many exports carried it.",
    )
    op.create_index(
        "content_actions_occurred_at_idx",
        "content_actions",
        ["occurred_at"],
        unique=False,
        schema="thought_industries",
    )
    op.create_table(
        "drop_files",
        sa.Column("file_name", sa.Text(), nullable=False, comment="Path under the drop location."),
        sa.Column(
            "content_hash", sa.Text(), nullable=False, comment="SHA-256 of the file's bytes."
        ),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("rows_read", sa.BigInteger(), nullable=False, comment="Rows the file holds."),
        sa.Column(
            "rows_rejected",
            sa.BigInteger(),
            nullable=False,
            comment="Rows that could not be read (see content_action_rejects).",
        ),
        sa.Column(
            "rows_new",
            sa.BigInteger(),
            nullable=False,
            comment="Actions this file added, over all its runs; the others were already loaded from other files.",
        ),
        sa.Column(
            "times_processed",
            sa.Integer(),
            nullable=False,
            comment="How many runs loaded this file with these bytes.",
        ),
        sa.Column(
            "same_content_as",
            sa.Text(),
            nullable=True,
            comment="An earlier file with exactly the same bytes, if any.",
        ),
        sa.Column(
            "loaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="When this row was written by the platform.",
        ),
        sa.PrimaryKeyConstraint("file_name", "content_hash"),
        schema="thought_industries",
        comment="Every processed drop file, with its hash and counts.",
    )


def downgrade() -> None:
    op.drop_table("drop_files", schema="thought_industries")
    op.drop_index(
        "content_actions_occurred_at_idx", table_name="content_actions", schema="thought_industries"
    )
    op.drop_table("content_actions", schema="thought_industries")
    op.drop_table("content_action_rejects", schema="thought_industries")
    op.execute("DROP SCHEMA IF EXISTS thought_industries")
