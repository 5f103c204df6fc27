"""The learner directory: who a learner key is. Restricted: `reporting_reader` cannot read it, and
the marts carry the key alone. Its asset (defs/reporting) writes it in place, and logs in
ops.reporting_changes the learners whose key appeared, vanished or changed, for the marts."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from learning_platform.lib.warehouse.tables.declarations import metadata

SCHEMA = "directory"


def _learner_key(**kwargs) -> sa.Column:
    return sa.Column(
        "learner_key",
        sa.Text,
        comment="The learner's pseudonymous key: an HMAC of the trimmed, lower-cased e-mail "
        "(or of the source's own id when the source gives no e-mail). The same in every source.",
        **kwargs,
    )


def _source(**kwargs) -> sa.Column:
    return sa.Column(
        "source",
        sa.Text,
        nullable=False,
        comment="linkedin_learning, thrive or thought_industries.",
        **kwargs,
    )


def _keyed_by() -> sa.Column:
    return sa.Column(
        "keyed_by",
        sa.Text,
        nullable=False,
        comment="email, or source_id for a learner a source gives no e-mail for.",
    )


learner_identities = sa.Table(
    "learner_identities",
    metadata,
    _source(primary_key=True),
    sa.Column(
        "source_learner_id",
        sa.Text,
        primary_key=True,
        comment="The learner in the source: the LinkedIn learner urn, the Thrive user id, the "
        "normalised e-mail for Thought Industries (its exports have no other id).",
    ),
    _learner_key(nullable=False),
    sa.Column(
        "email",
        sa.Text,
        comment="The e-mail as the source gives it; null if it gives none.",
        info={"pii": True},
    ),
    sa.Column(
        "name",
        sa.Text,
        comment="The name as the source gives it, when it gives one.",
        info={"pii": True},
    ),
    _keyed_by(),
    sa.Index("learner_identities_learner_key_idx", "learner_key"),
    schema=SCHEMA,
    comment="Every learner id of every source, with the learner key it maps to.",
)

learners = sa.Table(
    "learners",
    metadata,
    _learner_key(primary_key=True),
    sa.Column(
        "email",
        sa.Text,
        comment="The normalised e-mail the key was made from; null for a source-scoped key.",
        info={"pii": True},
    ),
    sa.Column(
        "names",
        ARRAY(sa.Text),
        nullable=False,
        comment="Every name the sources give.",
        info={"pii": True},
    ),
    sa.Column(
        "linkedin_learner_urns", ARRAY(sa.Text), nullable=False, comment="LinkedIn learner urns."
    ),
    sa.Column("thrive_user_ids", ARRAY(sa.Text), nullable=False, comment="Thrive user ids."),
    sa.Column(
        "in_thought_industries",
        sa.Boolean,
        nullable=False,
        comment="True when Thought Industries exports carry this e-mail.",
    ),
    _keyed_by(),
    schema=SCHEMA,
    comment="One row per learner key: the e-mail, names and source ids behind it.",
)
