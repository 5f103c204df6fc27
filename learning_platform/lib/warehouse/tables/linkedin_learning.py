"""The LinkedIn Learning tables: one row per metric per Pacific day, and the learner and content
details once each."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from learning_platform.lib.warehouse.tables.declarations import loaded_at, metadata

SCHEMA = "linkedin_learning"
# The tables that grow with the organisation, one partition per day (migration 0009): a new day is
# copied into a table of its own, its key built once, and attached (`loads.replace_partitions`).
PARTITIONED_BY_DAY = {"postgresql_partition_by": "RANGE (window_start)"}


def _activity_table(
    name: str, *, learner: bool, content: bool, comment: str, **options: str
) -> sa.Table:
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
        loaded_at(),
        sa.PrimaryKeyConstraint(*(column.name for column in key_columns), name=f"{name}_pkey"),
        schema=SCHEMA,
        comment=comment,
        **options,
    )


account_activity = _activity_table(
    "account_activity",
    learner=False,
    content=False,
    comment="LinkedIn Learning ACCOUNT report: the whole account's metrics per Pacific day.",
)
learner_activity = _activity_table(
    "learner_activity",
    learner=True,
    content=False,
    **PARTITIONED_BY_DAY,
    comment="LinkedIn Learning INDIVIDUAL report: each learner's metrics per Pacific day.",
)
learner_content_activity = _activity_table(
    "learner_content_activity",
    learner=True,
    content=True,
    **PARTITIONED_BY_DAY,
    comment="LinkedIn Learning INDIVIDUAL+CONTENT report: each learner's metrics per content item per Pacific day.",
)
content_activity = _activity_table(
    "content_activity",
    learner=False,
    content=True,
    comment="LinkedIn Learning CONTENT report (assetType COURSE): each course's metrics over all learners per Pacific day.",
)

learners = sa.Table(
    "learners",
    metadata,
    sa.Column(
        "learner_urn", sa.Text, primary_key=True, comment="urn:li:enterpriseProfile of the learner."
    ),
    sa.Column("name", sa.Text, comment="As LinkedIn reports it.", info={"pii": True}),
    sa.Column(
        "email",
        sa.Text,
        comment="As LinkedIn reports it (may differ from the HR e-mail).",
        info={"pii": True},
    ),
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
    loaded_at(),
    schema=SCHEMA,
    comment="LinkedIn Learning learners, once each, with the details of the latest window they appeared in.",
)

contents = sa.Table(
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
    loaded_at(),
    schema=SCHEMA,
    comment="LinkedIn Learning content items, once each, with the details of the latest window they appeared in.",
)
