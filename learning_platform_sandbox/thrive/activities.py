"""What a Thrive activity says: its twenty verbs, how often each is drawn, its free-form data."""

from __future__ import annotations

from collections.abc import Sequence

from learning_platform.lib.vocabulary import THRIVE_ACTIVITY_TYPES
from learning_platform_sandbox.organisation import Draws, Learner
from learning_platform_sandbox.thrive.stamps import iso_timestamp

# The twenty documented activity verbs, as the checks know them. Sorted: a set of strings
# iterates in a different order in every process, and the generated data must not change.
ACTIVITY_TYPES = tuple(sorted(THRIVE_ACTIVITY_TYPES))
# How often each verb is drawn (percent). The four missing verbs (unpinned, unliked,
# commentdeleted, unfollowed) come only from the rotation of every eighth activity.
VERB_WEIGHTS = (
    ("viewed", 34),
    ("progressed", 20),
    ("started", 12),
    ("completed", 10),
    ("resumed", 6),
    ("loggedin", 4),
    ("searched", 3),
    ("found", 2),
    ("liked", 2),
    ("shared", 1),
    ("commented", 1),
    ("passed", 1),
    ("registered", 1),
    ("pinned", 1),
    ("loggedout", 1),
    ("followed", 1),
)
# Verbs about no content: contextId, contextType, contentType and name are null.
CONTEXTLESS_VERBS = frozenset({"searched", "loggedin", "loggedout"})
_SOURCES = ("feed", "search", "assignment", "home", "pathway")
_SEARCH_TERMS = (
    "python",
    "excel pivot tables",
    "leadership",
    "gdpr",
    "sql joins",
    "feedback conversations",
    "time management",
)


def activity_data(
    verb: str, stamp: int, learner: Learner, learners: Sequence[Learner], draws: Draws
) -> tuple[dict, dict | None]:
    """The free-form `data` of an activity and its `with`, with the quirks of live records."""
    source = draws.pick(_SOURCES)
    # Thrive's own example nests the source ({"source": {"source": "feed"}}); live records carry
    # a plain string. Clients meet both.
    source_value: object = {"source": source} if draws.below(3) == 0 else source
    duration = str(1 + draws.below(3600))  # seconds, as a string
    percent = 1 + draws.below(99)
    # progresspercentage is a number in some records and a string in others.
    as_text = draws.below(2) == 0
    term = draws.pick(_SEARCH_TERMS)
    results = draws.below(50)
    other = learners[(learner.index + 1 + draws.below(max(1, len(learners) - 1))) % len(learners)]
    with_ = None
    if verb == "viewed":
        data: dict[str, object] = {"duration": duration, "source": source_value}
    elif verb == "progressed":
        progress = str(percent) if as_text else percent
        data = {"duration": duration, "progresspercentage": progress, "source": source_value}
    elif verb == "completed":
        data = {
            "completion": True,
            "completedDate": iso_timestamp(stamp),
            "duration": duration,
            "progresspercentage": "100" if as_text else 100,
        }
    elif verb in ("started", "resumed"):
        data = {"source": source_value}
    elif verb == "passed":
        data = {
            "success": True,
            "score": percent,
            "scaled": percent / 100,
            "minScore": 0,
            "maxScore": 100,
        }
    elif verb == "searched":
        data = {"search": term, "searchresults": results}
    elif verb == "found":
        data = {"search": term, "source": "search"}
    elif verb == "shared":
        data = {"source": source_value}
        with_ = {"id": other.thrive_id, "type": "user"}
    elif verb in ("commented", "commentdeleted"):
        data = {"commentId": f"{stamp // 1000:08x}{draws.below(2**64):016x}"}
    else:
        data = {}
    return data, with_
