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
LINKEDIN_CONTENT_SOURCES = frozenset(
    {"ALL_SOURCES", "LINKEDIN_LEARNING", "ORGANIZATION", "THIRD_PARTY", "INTERNAL", "EXTERNAL"}
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
