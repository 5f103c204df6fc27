"""Every controlled value list the vendors document, and the rules that normalise them.

Extending a list is a reviewed code change: a value that is not here fails the blocking check of
the stream that carries it, and the partition loads once the value is added and the run repeated.
"""

from __future__ import annotations

# LinkedIn Learning Reporting API (upstreams.md §1.4).
LINKEDIN_ENGAGEMENT_TYPES = frozenset(
    {
        "SECONDS_VIEWED",
        "COMPLETIONS",
        "DAYS_ACTIVE",
        "MARKED_AS_DONE",
        "PROGRESS_PERCENTAGE",
        "VIEWS",
        "ENGAGED_LEARNERS",
        # Legacy metric replaced by DAYS_ACTIVE; still found in older tenants' history.
        "LOGINS",
    }
)
LINKEDIN_ENGAGEMENT_QUALIFIERS = frozenset({"TOTAL", "UNIQUE"})
LINKEDIN_ASSET_TYPES = frozenset(
    {
        "ARTICLE",
        "ASSESSMENT",
        "AUDIO",
        "BOOK",
        "COURSE",
        "DOCUMENT",
        "EVENT",
        "LEARNING_COLLECTION",
        "LEARNING_PATH",
        "VIDEO",
    }
)
LINKEDIN_AGGREGATIONS = frozenset({"ACCOUNT", "INDIVIDUAL", "CONTENT"})

# A metric that is not per asset type (DAYS_ACTIVE, the UNIQUE VIEWS line) has no assetType in the
# API; the warehouse stores this marker so the column can be part of the primary key.
NO_ASSET_TYPE = ""

# Thrive (learn.link) public API (upstreams.md §2.6). The activity verbs of GET /activities: the
# docs' schema example "file" for `type` is a copy-paste slip, not a verb.
THRIVE_ACTIVITY_TYPES = frozenset(
    {
        "viewed",
        "completed",
        "passed",
        "pinned",
        "unpinned",
        "liked",
        "unliked",
        "commented",
        "commentdeleted",
        "shared",
        "progressed",
        "registered",
        "followed",
        "unfollowed",
        "started",
        "resumed",
        "searched",
        "found",
        "loggedin",
        "loggedout",
    }
)
THRIVE_USER_ROLES = frozenset({"administrator", "learneradmin", "learner"})
THRIVE_USER_STATUSES = frozenset({"active", "inactive", "expired", "new"})

# Thought Industries "Content Actions" report (upstreams.md §3.3, the vendor's help page). The
# Source values depend on the Type: the same Source means different things under different Types
# (`course_completed` is a status change and a certificate's reason), so the pair is what is known.
THOUGHT_INDUSTRIES_ACTION_TYPES = frozenset(
    {"enrollment", "status_change", "revoked_access", "certificate_grant"}
)
# Sources as normalised (lower case, `-` to `_`): the docs' `gift-course-purchase` and
# `Manager_grant_completed` are spelt like their siblings here; the raw value is kept beside it.
THOUGHT_INDUSTRIES_SOURCES_BY_TYPE = {
    "enrollment": frozenset(
        {
            "course_purchase",
            "collection_purchase",
            "a_la_carte_collection_purchase",
            "subscription_purchase",
            "subscription_access",
            "registration",
            "gift_course_purchase",
            "gift_collection_purchase",
            "manager_created_user",
            "manager_course_enrollment",
            "manager_bulk_user_creation",
            "redemption_code",
            "gift_redemption_code",
            "registration_code",
            "sso",
            "learning_path_access",
            "client_access",
            "license_access",
            "balance_redemption",
            "reschedule",
            "salesforce_provision",
            "scorm_connect",
            "public",
        }
    ),
    "status_change": frozenset(
        {
            "course_started",
            "course_completed",
            "manager_change_not_started",
            "manager_change_completed",
            "recertify_learning_path",
            "manager_grant_started",
            "recertify_course",
            "scorm_started",
            "manager_grant_completed",
            "webinar_attended",
            "manager_change_started",
            "manager_changed_status",
            "manager_grant_not_started",
            "enrollment",
        }
    ),
    "revoked_access": frozenset(
        {
            "access_expiration",
            "course_deletion",
            "manager_revoked_access",
            "client_revoked_access",
            "manager_course_enrollment",
            "sso",
            "reschedule",
            "manager_bulk_user_creation",
            "license_deletion",
        }
    ),
    "certificate_grant": frozenset(
        {
            "course_completed",
            "passed_exam",
            "manager_grant",
            "api",
            "course_purchase",
            "collection_purchase",
            "manager_course_enrollment",
            "manager_change_completed",
        }
    ),
}


def thought_industries_type_source_pairs() -> frozenset[str]:
    """Every documented (Type, Source) pair as `type/source`, the form the pair check compares."""
    return frozenset(
        f"{action_type}/{source}"
        for action_type, sources in THOUGHT_INDUSTRIES_SOURCES_BY_TYPE.items()
        for source in sources
    )


# -- the reporting layer's canonical activities ------------------------------------------------------
# Every source value maps to one canonical activity, so that `reporting.learning_events` can answer
# "who viewed, finished, enrolled..." across sources; the source's own value stays beside it. A
# value added to a source's list above must be mapped here too (a test holds the lists together).

LINKEDIN_CANONICAL_ACTIVITY = {
    "SECONDS_VIEWED": "viewed",
    "VIEWS": "viewed",
    "PROGRESS_PERCENTAGE": "progressed",
    "COMPLETIONS": "completed",
    "MARKED_AS_DONE": "completed",
    "DAYS_ACTIVE": "signed_in",
    "ENGAGED_LEARNERS": "signed_in",
    "LOGINS": "signed_in",
}
THRIVE_CANONICAL_ACTIVITY = {
    "viewed": "viewed",
    "resumed": "viewed",
    "started": "started",
    "progressed": "progressed",
    "completed": "completed",
    "passed": "passed",
    "registered": "enrolled",
    "liked": "social",
    "unliked": "social",
    "commented": "social",
    "commentdeleted": "social",
    "shared": "social",
    "pinned": "social",
    "unpinned": "social",
    "followed": "social",
    "unfollowed": "social",
    "searched": "searched",
    "found": "searched",
    "loggedin": "signed_in",
    "loggedout": "signed_out",
}
# A Thrive CPD log entry is one event of its own.
THRIVE_CPD_ENTRY = "cpd_entry"
CPD_LOGGED = "cpd_logged"

# Thought Industries: the Type decides, except for status changes, where the Source says which.
# Completion sources after upstreams.md §3 (the completion signal).
_THOUGHT_INDUSTRIES_STATUS_ACTIVITY = {
    "course_started": "started",
    "manager_change_started": "started",
    "manager_grant_started": "started",
    "scorm_started": "started",
    "course_completed": "completed",
    "manager_change_completed": "completed",
    "manager_grant_completed": "completed",
    "recertify_course": "completed",
    "recertify_learning_path": "completed",
    "webinar_attended": "completed",
    "manager_change_not_started": "status_changed",
    "manager_grant_not_started": "status_changed",
    "manager_changed_status": "status_changed",
    "enrollment": "enrolled",
}
_THOUGHT_INDUSTRIES_TYPE_ACTIVITY = {
    "enrollment": "enrolled",
    "certificate_grant": "certified",
    "revoked_access": "revoked",
}


def thought_industries_canonical_activity() -> dict[str, str]:
    """The canonical activity of every documented `type/source` pair."""
    mapping = {}
    for action_type, sources in THOUGHT_INDUSTRIES_SOURCES_BY_TYPE.items():
        for source in sources:
            if action_type == "status_change":
                activity = _THOUGHT_INDUSTRIES_STATUS_ACTIVITY[source]
            else:
                activity = _THOUGHT_INDUSTRIES_TYPE_ACTIVITY[action_type]
            mapping[f"{action_type}/{source}"] = activity
    return mapping


def canonical_activities() -> list[tuple[str, str, str]]:
    """(source, source value, canonical activity) for every value of every source."""
    rows = [("linkedin_learning", value, a) for value, a in LINKEDIN_CANONICAL_ACTIVITY.items()]
    rows += [("thrive", value, a) for value, a in THRIVE_CANONICAL_ACTIVITY.items()]
    rows.append(("thrive", THRIVE_CPD_ENTRY, CPD_LOGGED))
    rows += [
        ("thought_industries", pair, a)
        for pair, a in thought_industries_canonical_activity().items()
    ]
    return sorted(rows)
