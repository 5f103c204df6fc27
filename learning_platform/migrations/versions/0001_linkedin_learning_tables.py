"""LinkedIn Learning: the three activity tables, learners and contents.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:24:21.733413
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS linkedin_learning")
    op.create_table(
        "account_activity",
        sa.Column(
            "window_start", sa.Date(), nullable=False, comment="The Pacific day the metric covers."
        ),
        sa.Column(
            "engagement_type",
            sa.Text(),
            nullable=False,
            comment="engagementType, e.g. SECONDS_VIEWED.",
        ),
        sa.Column("engagement_qualifier", sa.Text(), nullable=False, comment="TOTAL or UNIQUE."),
        sa.Column(
            "asset_type",
            sa.Text(),
            nullable=False,
            comment="assetType; '' where the metric is not per asset type (DAYS_ACTIVE, unique VIEWS).",
        ),
        sa.Column(
            "engagement_value",
            sa.BigInteger(),
            nullable=False,
            comment="The aggregate over the window.",
        ),
        sa.Column(
            "first_engaged_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="firstEngagedAt, when given.",
        ),
        sa.Column(
            "last_engaged_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="lastEngagedAt, when given.",
        ),
        sa.Column(
            "latest_data_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="latestDataAt: the data the report was based on; the day is final once it passes its end.",
        ),
        sa.Column(
            "loaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="When this row was written by the platform.",
        ),
        sa.PrimaryKeyConstraint(
            "window_start",
            "engagement_type",
            "engagement_qualifier",
            "asset_type",
            name="account_activity_pkey",
        ),
        schema="linkedin_learning",
        comment="LinkedIn Learning ACCOUNT report: the whole account's metrics per Pacific day.",
    )
    op.create_table(
        "contents",
        sa.Column("content_urn", sa.Text(), nullable=False, comment="urn of the content item."),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("locale_language", sa.Text(), nullable=True),
        sa.Column("locale_country", sa.Text(), nullable=True),
        sa.Column("content_provider_name", sa.Text(), nullable=True),
        sa.Column(
            "content_source",
            sa.Text(),
            nullable=True,
            comment="Deprecated by LinkedIn in favour of content_provider_name.",
        ),
        sa.Column("website_url", sa.Text(), nullable=True),
        sa.Column(
            "last_seen_on",
            sa.Date(),
            nullable=False,
            comment="The latest window these details came from.",
        ),
        sa.Column(
            "loaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="When this row was written by the platform.",
        ),
        sa.PrimaryKeyConstraint("content_urn"),
        schema="linkedin_learning",
        comment="LinkedIn Learning content items, once each, with the details of the latest window they appeared in.",
    )
    op.create_table(
        "learner_activity",
        sa.Column(
            "window_start", sa.Date(), nullable=False, comment="The Pacific day the metric covers."
        ),
        sa.Column(
            "learner_urn",
            sa.Text(),
            nullable=False,
            comment="urn:li:enterpriseProfile of the learner (stable across e-mail changes).",
        ),
        sa.Column(
            "engagement_type",
            sa.Text(),
            nullable=False,
            comment="engagementType, e.g. SECONDS_VIEWED.",
        ),
        sa.Column("engagement_qualifier", sa.Text(), nullable=False, comment="TOTAL or UNIQUE."),
        sa.Column(
            "asset_type",
            sa.Text(),
            nullable=False,
            comment="assetType; '' where the metric is not per asset type (DAYS_ACTIVE, unique VIEWS).",
        ),
        sa.Column(
            "engagement_value",
            sa.BigInteger(),
            nullable=False,
            comment="The aggregate over the window.",
        ),
        sa.Column(
            "first_engaged_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="firstEngagedAt, when given.",
        ),
        sa.Column(
            "last_engaged_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="lastEngagedAt, when given.",
        ),
        sa.Column(
            "latest_data_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="latestDataAt: the data the report was based on; the day is final once it passes its end.",
        ),
        sa.Column(
            "loaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="When this row was written by the platform.",
        ),
        sa.PrimaryKeyConstraint(
            "window_start",
            "learner_urn",
            "engagement_type",
            "engagement_qualifier",
            "asset_type",
            name="learner_activity_pkey",
        ),
        schema="linkedin_learning",
        comment="LinkedIn Learning INDIVIDUAL report: each learner's metrics per Pacific day.",
    )
    op.create_table(
        "learner_content_activity",
        sa.Column(
            "window_start", sa.Date(), nullable=False, comment="The Pacific day the metric covers."
        ),
        sa.Column(
            "learner_urn",
            sa.Text(),
            nullable=False,
            comment="urn:li:enterpriseProfile of the learner (stable across e-mail changes).",
        ),
        sa.Column(
            "content_urn", sa.Text(), nullable=False, comment="urn of the course, video, path..."
        ),
        sa.Column(
            "engagement_type",
            sa.Text(),
            nullable=False,
            comment="engagementType, e.g. SECONDS_VIEWED.",
        ),
        sa.Column("engagement_qualifier", sa.Text(), nullable=False, comment="TOTAL or UNIQUE."),
        sa.Column(
            "asset_type",
            sa.Text(),
            nullable=False,
            comment="assetType; '' where the metric is not per asset type (DAYS_ACTIVE, unique VIEWS).",
        ),
        sa.Column(
            "engagement_value",
            sa.BigInteger(),
            nullable=False,
            comment="The aggregate over the window.",
        ),
        sa.Column(
            "first_engaged_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="firstEngagedAt, when given.",
        ),
        sa.Column(
            "last_engaged_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="lastEngagedAt, when given.",
        ),
        sa.Column(
            "latest_data_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="latestDataAt: the data the report was based on; the day is final once it passes its end.",
        ),
        sa.Column(
            "loaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="When this row was written by the platform.",
        ),
        sa.PrimaryKeyConstraint(
            "window_start",
            "learner_urn",
            "content_urn",
            "engagement_type",
            "engagement_qualifier",
            "asset_type",
            name="learner_content_activity_pkey",
        ),
        schema="linkedin_learning",
        comment="LinkedIn Learning INDIVIDUAL+CONTENT report: each learner's metrics per content item per Pacific day.",
    )
    op.create_table(
        "learners",
        sa.Column(
            "learner_urn",
            sa.Text(),
            nullable=False,
            comment="urn:li:enterpriseProfile of the learner.",
        ),
        sa.Column("name", sa.Text(), nullable=True, comment="As LinkedIn reports it."),
        sa.Column(
            "email",
            sa.Text(),
            nullable=True,
            comment="As LinkedIn reports it (may differ from the HR e-mail).",
        ),
        sa.Column(
            "unique_user_id",
            sa.Text(),
            nullable=True,
            comment="uniqueUserId from SSO or CSV provisioning, when set.",
        ),
        sa.Column(
            "enterprise_groups",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=True,
            comment="enterpriseGroups, as received.",
        ),
        sa.Column(
            "custom_attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=True,
            comment="customAttributes, as received.",
        ),
        sa.Column(
            "last_seen_on",
            sa.Date(),
            nullable=False,
            comment="The latest window these details came from.",
        ),
        sa.Column(
            "loaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="When this row was written by the platform.",
        ),
        sa.PrimaryKeyConstraint("learner_urn"),
        schema="linkedin_learning",
        comment="LinkedIn Learning learners, once each, with the details of the latest window they appeared in.",
    )


def downgrade() -> None:
    op.drop_table("learners", schema="linkedin_learning")
    op.drop_table("learner_content_activity", schema="linkedin_learning")
    op.drop_table("learner_activity", schema="linkedin_learning")
    op.drop_table("contents", schema="linkedin_learning")
    op.drop_table("account_activity", schema="linkedin_learning")
    op.execute("DROP SCHEMA IF EXISTS linkedin_learning")
