"""LinkedIn Learning: the CONTENT report's table, one row per course per metric per Pacific day.

Rights: migrations run as learning_platform_owner since 0007 (migrations/env.py), and 0007's
default privileges give learning_platform_loader the rows of every table the owner creates in
linkedin_learning, this one included; no DDL. reporting_reader reads none of the source schemas:
it reads the table through the mart built from it (reporting.content_owner_daily).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_activity",
        sa.Column(
            "window_start", sa.Date(), nullable=False, comment="The Pacific day the metric covers."
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
            "content_urn",
            "engagement_type",
            "engagement_qualifier",
            "asset_type",
            name="content_activity_pkey",
        ),
        schema="linkedin_learning",
        comment="LinkedIn Learning CONTENT report (assetType COURSE): each course's metrics over all learners per Pacific day.",
    )


def downgrade() -> None:
    op.drop_table("content_activity", schema="linkedin_learning")
