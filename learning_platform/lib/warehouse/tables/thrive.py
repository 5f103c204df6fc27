"""The Thrive (learn.link) tables: one row per upstream record, keyed by its id."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from learning_platform.lib.warehouse.tables.declarations import loaded_at, metadata

SCHEMA = "thrive"


def _thrive_id(name: str, comment: str, **kwargs) -> sa.Column:
    return sa.Column(name, sa.Text, comment=comment, **kwargs)


activities = sa.Table(
    "activities",
    metadata,
    _thrive_id("id", "The activity record's id (24-hex).", primary_key=True),
    _thrive_id(
        "user_id", "The Thrive user who acted; thrive.users holds their e-mail.", nullable=False
    ),
    sa.Column("type", sa.Text, nullable=False, comment="The activity verb: viewed, completed, ..."),
    sa.Column(
        "occurred_at",
        sa.DateTime(timezone=True),
        nullable=False,
        comment="`date`: when it happened; its UTC day is the partition.",
    ),
    _thrive_id("context_id", "What it was done to (usually a content item)."),
    sa.Column("context_type", sa.Text, comment="contextType, e.g. content."),
    sa.Column("content_type", sa.Text, comment="contentType, when Thrive sends it."),
    sa.Column("name", sa.Text, comment="The name of the context, when Thrive sends it."),
    sa.Column("data", JSONB, comment="`data`, as received (free-form, xAPI-like)."),
    sa.Column("with_context", JSONB, comment="`with`, as received."),
    loaded_at(),
    sa.Index("activities_occurred_at_idx", "occurred_at"),
    sa.Index("activities_user_id_idx", "user_id"),
    schema=SCHEMA,
    comment="Thrive activity records, one row per record, partitioned by the UTC day of occurred_at.",
)

cpd_entries = sa.Table(
    "cpd_entries",
    metadata,
    _thrive_id("log_entry_id", "logEntryId (24-hex).", primary_key=True),
    _thrive_id("user_id", "The learner the entry belongs to.", nullable=False),
    sa.Column("content_type", sa.Text, comment="activity.type: file, article, video, ..."),
    sa.Column("content_name", sa.Text, comment="activity.name."),
    _thrive_id("category_id", "category.categoryId."),
    sa.Column("category_name", sa.Text, comment="category.name."),
    sa.Column(
        "entry_date",
        sa.DateTime(timezone=True),
        nullable=False,
        comment="entryDate; its UTC day is the partition.",
    ),
    sa.Column(
        "duration_minutes",
        sa.Integer,
        sa.CheckConstraint("duration_minutes >= 0", name="cpd_entries_duration_minutes_check"),
        nullable=False,
        comment="durationMinutes.",
    ),
    sa.Column("description", sa.Text),
    sa.Column(
        "is_verified",
        sa.Boolean,
        comment="True when the entry came from verified system activity, false when the learner logged it.",
    ),
    loaded_at(),
    sa.Index("cpd_entries_entry_date_idx", "entry_date"),
    sa.Index("cpd_entries_user_id_idx", "user_id"),
    schema=SCHEMA,
    comment="Thrive CPD log entries, one row per entry, partitioned by the UTC day of entry_date.",
)

users = sa.Table(
    "users",
    metadata,
    _thrive_id("id", "The Thrive user id (24-hex).", primary_key=True),
    sa.Column("ref", sa.Text, comment="The tenant's own reference of the user, when set."),
    sa.Column(
        "email",
        sa.Text,
        comment="As Thrive gives it; null for users who log in by ref.",
        info={"pii": True},
    ),
    sa.Column("first_name", sa.Text, info={"pii": True}),
    sa.Column("last_name", sa.Text, info={"pii": True}),
    sa.Column("role", sa.Text, comment="administrator, learneradmin or learner."),
    sa.Column("status", sa.Text, comment="active, inactive, expired or new."),
    sa.Column(
        "snapshot_at",
        sa.DateTime(timezone=True),
        nullable=False,
        comment="The latest snapshot that listed this user; older than the newest one if Thrive no longer does.",
    ),
    loaded_at(),
    schema=SCHEMA,
    comment="Thrive users, once each, as the latest snapshot of GET /users gave them.",
)
