"""The warehouse tables as SQLAlchemy Core metadata: what the Alembic migrations build.

Names are a contract (DESIGN.md §5): reporting teams and operators query them directly. Every table
has a primary key on its natural key, so a duplicate fails loudly instead of doubling a report.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

LINKEDIN_SCHEMA = "linkedin_learning"


def _loaded_at() -> sa.Column:
    return sa.Column(
        "loaded_at",
        sa.DateTime(timezone=True),
        nullable=False,
        server_default=sa.func.now(),
        comment="When this row was written by the platform.",
    )


def _linkedin_activity_table(name: str, *, learner: bool, content: bool, comment: str) -> sa.Table:
    """One row per metric per window, keyed by window, who, what and which metric."""
    key_columns = [
        sa.Column(
            "window_start", sa.Date, nullable=False, comment="The Pacific day the metric covers."
        ),
    ]
    if learner:
        key_columns.append(
            sa.Column(
                "learner_urn",
                sa.Text,
                nullable=False,
                comment="urn:li:enterpriseProfile of the learner (stable across e-mail changes).",
            )
        )
    if content:
        key_columns.append(
            sa.Column(
                "content_urn", sa.Text, nullable=False, comment="urn of the course, video, path..."
            )
        )
    key_columns += [
        sa.Column(
            "engagement_type",
            sa.Text,
            nullable=False,
            comment="engagementType, e.g. SECONDS_VIEWED.",
        ),
        sa.Column("engagement_qualifier", sa.Text, nullable=False, comment="TOTAL or UNIQUE."),
        sa.Column(
            "asset_type",
            sa.Text,
            nullable=False,
            comment="assetType; '' where the metric is not per asset type (DAYS_ACTIVE, unique VIEWS).",
        ),
    ]
    return sa.Table(
        name,
        metadata,
        *key_columns,
        sa.Column(
            "engagement_value",
            sa.BigInteger,
            nullable=False,
            comment="The aggregate over the window.",
        ),
        sa.Column(
            "first_engaged_at", sa.DateTime(timezone=True), comment="firstEngagedAt, when given."
        ),
        sa.Column(
            "last_engaged_at", sa.DateTime(timezone=True), comment="lastEngagedAt, when given."
        ),
        sa.Column(
            "latest_data_at",
            sa.DateTime(timezone=True),
            comment="latestDataAt: the data the report was based on; the day is final once it passes its end.",
        ),
        _loaded_at(),
        sa.PrimaryKeyConstraint(*(column.name for column in key_columns), name=f"{name}_pkey"),
        schema=LINKEDIN_SCHEMA,
        comment=comment,
    )


linkedin_account_activity = _linkedin_activity_table(
    "account_activity",
    learner=False,
    content=False,
    comment="LinkedIn Learning ACCOUNT report: the whole account's metrics per Pacific day.",
)
linkedin_learner_activity = _linkedin_activity_table(
    "learner_activity",
    learner=True,
    content=False,
    comment="LinkedIn Learning INDIVIDUAL report: each learner's metrics per Pacific day.",
)
linkedin_learner_content_activity = _linkedin_activity_table(
    "learner_content_activity",
    learner=True,
    content=True,
    comment="LinkedIn Learning INDIVIDUAL+CONTENT report: each learner's metrics per content item per Pacific day.",
)

linkedin_learners = sa.Table(
    "learners",
    metadata,
    sa.Column(
        "learner_urn", sa.Text, primary_key=True, comment="urn:li:enterpriseProfile of the learner."
    ),
    sa.Column("name", sa.Text, comment="As LinkedIn reports it."),
    sa.Column("email", sa.Text, comment="As LinkedIn reports it (may differ from the HR e-mail)."),
    sa.Column(
        "unique_user_id", sa.Text, comment="uniqueUserId from SSO or CSV provisioning, when set."
    ),
    sa.Column("enterprise_groups", JSONB, comment="enterpriseGroups, as received."),
    sa.Column("custom_attributes", JSONB, comment="customAttributes, as received."),
    sa.Column(
        "last_seen_on",
        sa.Date,
        nullable=False,
        comment="The latest window these details came from.",
    ),
    _loaded_at(),
    schema=LINKEDIN_SCHEMA,
    comment="LinkedIn Learning learners, once each, with the details of the latest window they appeared in.",
)

linkedin_contents = sa.Table(
    "contents",
    metadata,
    sa.Column("content_urn", sa.Text, primary_key=True, comment="urn of the content item."),
    sa.Column("name", sa.Text),
    sa.Column("locale_language", sa.Text),
    sa.Column("locale_country", sa.Text),
    sa.Column("content_provider_name", sa.Text),
    sa.Column(
        "content_source",
        sa.Text,
        comment="Deprecated by LinkedIn in favour of content_provider_name.",
    ),
    sa.Column("website_url", sa.Text),
    sa.Column(
        "last_seen_on",
        sa.Date,
        nullable=False,
        comment="The latest window these details came from.",
    ),
    _loaded_at(),
    schema=LINKEDIN_SCHEMA,
    comment="LinkedIn Learning content items, once each, with the details of the latest window they appeared in.",
)


# -- Thrive (learn.link): one row per upstream record, keyed by its id ---------------------------

THRIVE_SCHEMA = "thrive"


def _thrive_id(name: str, comment: str, **kwargs) -> sa.Column:
    return sa.Column(name, sa.Text, comment=comment, **kwargs)


thrive_activities = sa.Table(
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
    _loaded_at(),
    sa.Index("activities_occurred_at_idx", "occurred_at"),
    sa.Index("activities_user_id_idx", "user_id"),
    schema=THRIVE_SCHEMA,
    comment="Thrive activity records, one row per record, partitioned by the UTC day of occurred_at.",
)

thrive_cpd_entries = sa.Table(
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
    _loaded_at(),
    sa.Index("cpd_entries_entry_date_idx", "entry_date"),
    sa.Index("cpd_entries_user_id_idx", "user_id"),
    schema=THRIVE_SCHEMA,
    comment="Thrive CPD log entries, one row per entry, partitioned by the UTC day of entry_date.",
)

thrive_users = sa.Table(
    "users",
    metadata,
    _thrive_id("id", "The Thrive user id (24-hex).", primary_key=True),
    sa.Column("ref", sa.Text, comment="The tenant's own reference of the user, when set."),
    sa.Column("email", sa.Text, comment="As Thrive gives it; null for users who log in by ref."),
    sa.Column("first_name", sa.Text),
    sa.Column("last_name", sa.Text),
    sa.Column("role", sa.Text, comment="administrator, learneradmin or learner."),
    sa.Column("status", sa.Text, comment="active, inactive, expired or new."),
    sa.Column(
        "snapshot_at",
        sa.DateTime(timezone=True),
        nullable=False,
        comment="The latest snapshot that listed this user; older than the newest one if Thrive no longer does.",
    ),
    _loaded_at(),
    schema=THRIVE_SCHEMA,
    comment="Thrive users, once each, as the latest snapshot of GET /users gave them.",
)


# -- Thought Industries: content-action exports dropped as files ----------------------------------

THOUGHT_INDUSTRIES_SCHEMA = "thought_industries"

thought_industries_content_actions = sa.Table(
    "content_actions",
    metadata,
    sa.Column(
        "action_id",
        sa.Text,
        primary_key=True,
        comment="The natural key: a hash of the normalised e-mail, content type and title, type, source and timestamp.",
    ),
    sa.Column("learner_email", sa.Text, nullable=False, comment="Email, as the export gives it."),
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
    _loaded_at(),
    sa.Index("content_actions_occurred_at_idx", "occurred_at"),
    schema=THOUGHT_INDUSTRIES_SCHEMA,
    comment="Thought Industries content actions, one row per action, however many exports carried it.",
)

thought_industries_drop_files = sa.Table(
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
    _loaded_at(),
    schema=THOUGHT_INDUSTRIES_SCHEMA,
    comment="Every processed drop file, with its hash and counts.",
)

thought_industries_content_action_rejects = sa.Table(
    "content_action_rejects",
    metadata,
    sa.Column("file_name", sa.Text, primary_key=True),
    sa.Column("content_hash", sa.Text, primary_key=True),
    sa.Column("line", sa.BigInteger, primary_key=True, comment="Where the row starts in the file."),
    sa.Column("reason", sa.Text, nullable=False),
    _loaded_at(),
    schema=THOUGHT_INDUSTRIES_SCHEMA,
    comment="Rows of drop files that could not be read, by file and line; the file itself is kept.",
)

SCHEMAS = (LINKEDIN_SCHEMA, THRIVE_SCHEMA, THOUGHT_INDUSTRIES_SCHEMA)
