"""The learner directory and the reporting marts, declared as SQLAlchemy tables.

Unlike the source tables (built by migrations), these are rebuilt whole by their assets
(`warehouse.rebuild.rebuild_table`): the declaration is the table each rebuild creates, its comments are what
`\\d+` and the Dagster UI show, and its primary key makes a query that double-counts fail loudly.
Migrations only create the two schemas and the `reporting_reader` role. The column comments are
the documentation reporting teams read, which is what makes the module longer than most.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

metadata = sa.MetaData()

REPORTING_SCHEMA = "reporting"
DIRECTORY_SCHEMA = "directory"
READER_ROLE = "reporting_reader"


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


def _hours(name: str, of: str) -> sa.Column:
    return sa.Column(name, sa.Numeric(12, 2), nullable=False, comment=f"{of}, in hours.")


def _count(name: str, comment: str) -> sa.Column:
    return sa.Column(name, sa.BigInteger, nullable=False, comment=comment)


# -- the directory: who a key is. Restricted: reporting_reader has no access to it. -----------------

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
        "email", sa.Text, comment="The e-mail as the source gives it; null if it gives none."
    ),
    sa.Column("name", sa.Text, comment="The name as the source gives it, when it gives one."),
    _keyed_by(),
    sa.Index("learner_identities_learner_key_idx", "learner_key"),
    schema=DIRECTORY_SCHEMA,
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
    ),
    sa.Column("names", ARRAY(sa.Text), nullable=False, comment="Every name the sources give."),
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
    schema=DIRECTORY_SCHEMA,
    comment="One row per learner key: the e-mail, names and source ids behind it.",
)


# -- the marts: what reporting teams query. No e-mail, no name. -------------------------------------

learning_events = sa.Table(
    "learning_events",
    metadata,
    sa.Column(
        "event_id",
        sa.Text,
        primary_key=True,
        comment="Unique across sources: the source, then its record id or a hash of its natural key.",
    ),
    _source(),
    _learner_key(nullable=False),
    sa.Column(
        "event_date",
        sa.Date,
        nullable=False,
        comment="The day the source counts the event in: a Pacific day for LinkedIn Learning, a UTC "
        "day for Thrive and Thought Industries.",
    ),
    sa.Column(
        "occurred_at",
        sa.DateTime(timezone=True),
        nullable=False,
        comment="When it happened. LinkedIn Learning reports daily aggregates: the start of the day.",
    ),
    sa.Column(
        "activity",
        sa.Text,
        nullable=False,
        comment="The canonical activity: viewed, started, progressed, completed, passed, enrolled, "
        "certified, revoked, cpd_logged, status_changed, social, searched, signed_in, signed_out.",
    ),
    sa.Column(
        "source_activity",
        sa.Text,
        nullable=False,
        comment="The source's own value: a LinkedIn engagement type, a Thrive verb (cpd_entry for a "
        "CPD log entry), a Thought Industries type/source pair.",
    ),
    sa.Column(
        "content_id",
        sa.Text,
        comment="The content in the source: a LinkedIn content urn, a Thrive context id, a Thought "
        "Industries content type:title. Null when the event is not about a content item.",
    ),
    sa.Column("content_title", sa.Text, comment="The content's title, when known."),
    sa.Column(
        "content_type",
        sa.Text,
        comment="course, video, article... as the source names it (LinkedIn: the asset type).",
    ),
    sa.Column(
        "seconds",
        sa.BigInteger,
        comment="Time spent, as the source reports it: LinkedIn SECONDS_VIEWED, a Thrive record's "
        "duration, a CPD entry's minutes × 60. Null when the source gives none.",
    ),
    sa.Column(
        "progress_percent",
        sa.Numeric(6, 2),
        comment="Progress through the content, 0-100, when the source reports it.",
    ),
    sa.Column(
        "quantity",
        sa.BigInteger,
        nullable=False,
        comment="How many the event stands for: a LinkedIn count metric's value (completions, "
        "views); 1 for everything else.",
    ),
    sa.Column("cpd_category", sa.Text, comment="The CPD category, for cpd_logged events."),
    sa.Column(
        "cpd_verified",
        sa.Boolean,
        comment="For cpd_logged events: true when the entry came from verified system activity, "
        "false when the learner logged it.",
    ),
    sa.Index("learning_events_learner_key_idx", "learner_key"),
    sa.Index("learning_events_event_date_idx", "event_date"),
    schema=REPORTING_SCHEMA,
    comment="One row per learning event across sources: who (learner_key), what, when, how long.",
)

learner_summary = sa.Table(
    "learner_summary",
    metadata,
    _learner_key(primary_key=True),
    _keyed_by(),
    sa.Column(
        "sources",
        ARRAY(sa.Text),
        nullable=False,
        comment="The sources with events of this learner.",
    ),
    _count("linkedin_learning_events", "Events from LinkedIn Learning."),
    _count("thrive_events", "Events from Thrive (activities and CPD entries)."),
    _count("thought_industries_events", "Events from Thought Industries."),
    sa.Column("first_active_on", sa.Date, comment="The first event_date; null if none."),
    sa.Column("last_active_on", sa.Date, comment="The latest event_date; null if none."),
    _count("active_days", "Distinct days with an event."),
    _count("learning_seconds", "Time spent learning (every source's reported time but CPD)."),
    _hours("learning_hours", "learning_seconds"),
    _count("contents_engaged", "Distinct content items with an event."),
    _count("contents_completed", "Distinct content items completed."),
    _count("enrollments", "Enrolled events."),
    _count("certificates", "Certified events."),
    _count("cpd_minutes", "Minutes of CPD logged."),
    schema=REPORTING_SCHEMA,
    comment="One row per learner: how much they learned, where, and what they finished. Learners "
    "known to a source but without events are listed with zeros.",
)

daily_engagement = sa.Table(
    "daily_engagement",
    metadata,
    sa.Column("event_date", sa.Date, primary_key=True, comment="As in learning_events."),
    _source(primary_key=True),
    _count("active_learners", "Distinct learners with an event that day."),
    _count("events", "Learning events."),
    _count("learning_seconds", "Time spent learning (CPD excluded)."),
    _hours("learning_hours", "learning_seconds"),
    _count("completions", "Completions (LinkedIn counts, one per completed event elsewhere)."),
    _count("enrollments", "Enrolled events."),
    _count("cpd_minutes", "Minutes of CPD logged that day."),
    schema=REPORTING_SCHEMA,
    comment="Per day and source: how many learners were active, and how much they did.",
)

content_engagement = sa.Table(
    "content_engagement",
    metadata,
    _source(primary_key=True),
    sa.Column("content_id", sa.Text, primary_key=True, comment="As in learning_events."),
    sa.Column("content_title", sa.Text, comment="The latest title the source gave it."),
    sa.Column("content_type", sa.Text, comment="As in learning_events."),
    _count("learners", "Distinct learners with an event on it."),
    _count("events", "Learning events on it."),
    _count("learning_seconds", "Time spent on it."),
    _hours("learning_hours", "learning_seconds"),
    _count("completed_by", "Distinct learners who completed it."),
    sa.Column("first_event_on", sa.Date, nullable=False),
    sa.Column("last_event_on", sa.Date, nullable=False),
    _count(
        "popularity_rank",
        "1 for the content with the most learners (ties broken by time spent), across all sources.",
    ),
    schema=REPORTING_SCHEMA,
    comment="Per content item: how many learners used it, for how long, and how many finished it.",
)

cpd_hours_monthly = sa.Table(
    "cpd_hours_monthly",
    metadata,
    _learner_key(primary_key=True),
    sa.Column(
        "month",
        sa.Date,
        primary_key=True,
        comment="The first day of the (UTC) month of the entries.",
    ),
    sa.Column(
        "category",
        sa.Text,
        primary_key=True,
        comment="The CPD category's name; 'Uncategorised' when the entry has none.",
    ),
    _count("entries", "CPD log entries."),
    _count("minutes", "Minutes logged."),
    _hours("hours", "minutes"),
    _count(
        "verified_minutes", "Minutes from verified system activity (the rest were self-logged)."
    ),
    schema=REPORTING_SCHEMA,
    comment="Thrive CPD per learner, month and category.",
)

enrollment_funnel = sa.Table(
    "enrollment_funnel",
    metadata,
    sa.Column("content_id", sa.Text, primary_key=True, comment="The course: content type:title."),
    sa.Column("content_title", sa.Text, nullable=False),
    sa.Column("content_type", sa.Text),
    _count(
        "enrolled",
        "Learners enrolled: with an enrollment, or any later stage (they must have been enrolled).",
    ),
    _count("started", "Learners who started, or reached a later stage."),
    _count("completed", "Learners who completed, or were certified."),
    _count("certified", "Learners granted a certificate."),
    _count("revoked", "Learners whose access was revoked (not a stage: they may have finished)."),
    sa.Column(
        "completion_rate",
        sa.Numeric(5, 4),
        comment="completed / enrolled; null when nobody enrolled.",
    ),
    schema=REPORTING_SCHEMA,
    comment="Per Thought Industries course: how many learners reached each stage.",
)

MARTS = (
    learning_events,
    learner_summary,
    daily_engagement,
    content_engagement,
    cpd_hours_monthly,
    enrollment_funnel,
)
