"""The Thought Industries tables: content actions from dropped exports, the files, their
unreadable lines."""

from __future__ import annotations

import sqlalchemy as sa

from learning_platform.lib.warehouse.tables.declarations import loaded_at, metadata

SCHEMA = "thought_industries"

content_actions = sa.Table(
    "content_actions",
    metadata,
    sa.Column(
        "action_id",
        sa.Text,
        primary_key=True,
        comment="The natural key: a hash of the normalised e-mail, content type and title, type, source and timestamp.",
    ),
    sa.Column(
        "learner_email",
        sa.Text,
        nullable=False,
        comment="Email, as the export gives it.",
        info={"pii": True},
    ),
    sa.Column(
        "panorama_name",
        sa.Text,
        comment="The client portal; blank in some exports, filled in from a later one.",
    ),
    sa.Column("content_type", sa.Text, comment="Content Type: course, video, webinar, ..."),
    sa.Column("content_title", sa.Text, nullable=False, comment="Content Title."),
    sa.Column(
        "action_type",
        sa.Text,
        nullable=False,
        comment="Type: enrollment, status_change, revoked_access or certificate_grant.",
    ),
    sa.Column(
        "action_source",
        sa.Text,
        nullable=False,
        comment="Source, normalised (lower case, - to _); its meaning depends on the Type.",
    ),
    sa.Column("action_source_raw", sa.Text, comment="Source exactly as the export wrote it."),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, comment="Timestamp."),
    sa.Column(
        "occurred_at_assumed_utc",
        sa.Boolean,
        nullable=False,
        comment="True when the export's Timestamp had no time zone and was read as UTC.",
    ),
    sa.Column(
        "source_file", sa.Text, nullable=False, comment="The drop file that first brought it."
    ),
    sa.Column("line", sa.BigInteger, nullable=False, comment="Its line in that file."),
    loaded_at(),
    sa.Index("content_actions_occurred_at_idx", "occurred_at"),
    schema=SCHEMA,
    comment="Thought Industries content actions, one row per action, however many exports carried it.",
)

drop_files = sa.Table(
    "drop_files",
    metadata,
    sa.Column("file_name", sa.Text, primary_key=True, comment="Path under the drop location."),
    sa.Column("content_hash", sa.Text, primary_key=True, comment="SHA-256 of the file's bytes."),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("rows_read", sa.BigInteger, nullable=False, comment="Rows the file holds."),
    sa.Column(
        "rows_rejected",
        sa.BigInteger,
        nullable=False,
        comment="Rows that could not be read (see content_action_rejects).",
    ),
    sa.Column(
        "rows_new",
        sa.BigInteger,
        nullable=False,
        comment="Actions this file added, over all its runs; the others were already loaded from other files.",
    ),
    sa.Column(
        "times_processed",
        sa.Integer,
        nullable=False,
        comment="How many runs loaded this file with these bytes.",
    ),
    sa.Column(
        "same_content_as",
        sa.Text,
        comment="An earlier file with exactly the same bytes, if any.",
    ),
    loaded_at(),
    schema=SCHEMA,
    comment="Every processed drop file, with its hash and counts.",
)

content_action_rejects = sa.Table(
    "content_action_rejects",
    metadata,
    sa.Column("file_name", sa.Text, primary_key=True),
    sa.Column("content_hash", sa.Text, primary_key=True),
    sa.Column("line", sa.BigInteger, primary_key=True, comment="Where the row starts in the file."),
    sa.Column("reason", sa.Text, nullable=False),
    loaded_at(),
    schema=SCHEMA,
    comment="Rows of drop files that could not be read, by file and line; the file itself is kept.",
)
