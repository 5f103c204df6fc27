"""Any kind of change in the reporting layer's change log.

The kinds a load notes are the platform's (`day`, `learner`, `all`), but the kinds a model notes
for the models built from it belong to the dbt project: a grain it adds (here `engagement`, a
learner's content item, for reporting_intermediate.learner_contents) must not wait for a
migration. The check on `kind` goes, and the comments on `source` and `key` say what they hold.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

REVISION_0005_KINDS = ("day", "learner", "all", "event_day", "content")
SOURCE_COMMENT = (
    "The source (linkedin_learning, thrive, thought_industries), or the model noting all."
)
KEY_COMMENT = "What changed: a day, a learner key, a content id, [learner key, content id]."
REVISION_0005_COMMENTS = {
    "source": "linkedin_learning, thrive or thought_industries.",
    "key": "The day, learner key or content id that changed.",
}


def _comment(column: str, comment: str) -> None:
    op.alter_column(
        "reporting_changes", column, existing_type=sa.Text(), comment=comment, schema="ops"
    )


def upgrade() -> None:
    op.drop_constraint("reporting_changes_kind_check", "reporting_changes", schema="ops")
    _comment("source", SOURCE_COMMENT)
    _comment("key", KEY_COMMENT)


def downgrade() -> None:
    # Changes of other kinds are for models revision 0005's dbt project does not have.
    kinds = ", ".join(f"'{kind}'" for kind in REVISION_0005_KINDS)
    op.execute(f"DELETE FROM ops.reporting_changes WHERE kind NOT IN ({kinds})")
    op.create_check_constraint(
        "reporting_changes_kind_check", "reporting_changes", f"kind IN ({kinds})", schema="ops"
    )
    for column, comment in REVISION_0005_COMMENTS.items():
        _comment(column, comment)
