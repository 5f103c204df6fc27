"""The journeys behind the content actions: their kinds, steps, sources and days.

Life cycles
-----------
Actions come from journeys: a learner enrolls in a content item, starts it a little later,
completes it days later and is granted a certificate seconds after that; other journeys stop after
the start, end in a revoked access, attend a webinar, or are completed by a manager's bulk grant.
Every UTC day has the same list of journey *slots*, each with a fixed shape (which steps, how many
days after the enrollment each one happens); what fills a slot on the day a journey starts (learner,
content, sources, times) comes from stable hashes of (seed, start day, slot). So each step of a
journey lands on exactly one day, a day is computed on its own from the journeys that started on
the few days before it, and every day holds exactly `actions_per_day` actions.

Exports are snapshots of a log: two exports over overlapping days carry the same actions with the
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from learning_platform_sandbox.organisation import Draws, stable_hash

# The docs' two odd spellings (§3.3). Real exports probably use the snake_case forms; both occur.
GIFT_COURSE_PURCHASE_AS_DOCUMENTED = "gift-course-purchase"
MANAGER_GRANT_COMPLETED_AS_DOCUMENTED = "Manager_grant_completed"

# Enrollment sources of an ordinary journey, by weight (percent).
_ENROLLMENT_SOURCES = (
    ("course_purchase", 17),
    ("registration", 13),
    ("manager_course_enrollment", 11),
    ("sso", 11),
    ("subscription_access", 9),
    ("client_access", 9),
    ("gift_course_purchase", 6),
    ("subscription_purchase", 3),
    ("manager_created_user", 3),
    ("learning_path_access", 3),
    ("license_access", 3),
    ("manager_bulk_user_creation", 2),
    ("redemption_code", 2),
    ("registration_code", 2),
    ("public", 2),
    ("gift_redemption_code", 1),
    ("balance_redemption", 1),
    ("salesforce_provision", 1),
    ("reschedule", 1),
)
_BUNDLE_ENROLLMENT_SOURCES = (
    "collection_purchase",
    "a_la_carte_collection_purchase",
    "gift_collection_purchase",
)
_WEBINAR_ENROLLMENT_SOURCES = (
    ("registration", 35),
    ("client_access", 20),
    ("manager_course_enrollment", 15),
    ("sso", 10),
    ("public", 10),
    ("reschedule", 10),
)
_MANAGER_ENROLLMENT_SOURCES = (
    "manager_course_enrollment",
    "manager_bulk_user_creation",
    "manager_created_user",
)
_START_SOURCES = (
    ("course_started", 72),
    ("manager_change_started", 6),
    ("manager_grant_started", 4),
    ("manager_change_not_started", 4),
    ("manager_grant_not_started", 3),
    ("manager_changed_status", 4),
    ("enrollment", 7),
)
_COMPLETION_SOURCES = (
    ("course_completed", 72),
    ("manager_change_completed", 10),
    ("recertify", 10),  # recertify_course, or recertify_learning_path for a learning path
    ("manager_grant_completed", 8),
)
# The certificate that follows a completion, by the completion's source.
_CERTIFICATE_AFTER = {
    "course_completed": "course_completed",
    "recertify_course": "course_completed",
    "recertify_learning_path": "course_completed",
    "manager_change_completed": "manager_change_completed",
    "manager_grant_completed": "manager_grant",
}
# How access ends (revoked_access sources, by weight) and the enrollments that lead there.
_REVOCATIONS = (
    ("access_expiration", 34, ("subscription_access", "redemption_code", "registration_code")),
    ("manager_revoked_access", 18, ("manager_course_enrollment", "course_purchase", "sso")),
    ("client_revoked_access", 10, ("client_access",)),
    ("license_deletion", 8, ("license_access",)),
    ("manager_course_enrollment", 8, ("manager_course_enrollment",)),
    ("course_deletion", 6, ("course_purchase", "registration", "client_access")),
    ("sso", 6, ("sso",)),
    ("reschedule", 5, ("course_purchase", "registration")),
    ("manager_bulk_user_creation", 5, ("manager_bulk_user_creation",)),
)
# Certificates granted on enrollment alone (certificate_grant with an enrollment's source).
_CERTIFICATE_ON_ENROLLMENT = ("course_purchase", "collection_purchase", "manager_course_enrollment")

# The shape of each kind of journey: the Type of each step, in order.
JOURNEY_STEPS = {
    "completed": ("enrollment", "status_change", "status_change", "certificate_grant"),
    "started": ("enrollment", "status_change"),
    "webinar": ("enrollment", "status_change"),
    "revoked": ("enrollment", "revoked_access"),
    "manager_grant": ("enrollment", "status_change", "certificate_grant"),
    "exam": ("enrollment", "status_change", "certificate_grant"),
    "enrolled": ("enrollment",),
    "certified_on_enrollment": ("enrollment", "certificate_grant"),
}
# The slots of every day, in this order, repeated until a day holds `actions_per_day` actions; the
# last slot keeps only as many first steps as fit (a journey that stops early).
_SLOT_CYCLE = (
    "completed",
    "started",
    "webinar",
    "revoked",
    "manager_grant",
    "completed",
    "exam",
    "enrolled",
    "started",
    "certified_on_enrollment",
    "revoked",
    "completed",
)


@dataclass(frozen=True)
class Slot:
    kind: str
    day_offsets: tuple[int, ...]  # days after the enrollment of each step kept in this slot


class Step(NamedTuple):
    day_offset: int
    second: int  # in its UTC day
    millisecond: int
    action_type: str
    action_source: str  # raw


def make_slots(seed: int, actions_per_day: int, has_webinars: bool) -> tuple[Slot, ...]:
    """The journey slots of every day, enough for `actions_per_day` actions."""
    slots: list[Slot] = []
    remaining = actions_per_day
    index = 0
    while remaining > 0:
        kind = _SLOT_CYCLE[index % len(_SLOT_CYCLE)]
        if kind == "webinar" and not has_webinars:
            kind = "revoked"  # same number of steps
        offsets = _day_offsets(kind, stable_hash(seed, "ti-slot", index))
        kept = offsets[:remaining]
        slots.append(Slot(kind, kept))
        remaining -= len(kept)
        index += 1
    return tuple(slots)


def _day_offsets(kind: str, bits: int) -> tuple[int, ...]:
    """Days after the enrollment of each step of a slot's journeys: fixed per slot."""
    started = bits % 2  # the same day as the enrollment, or the next
    later = 1 + (bits >> 8) % 4
    if kind == "completed":
        return (0, started, started + later, started + later)
    if kind == "started":
        return (0, bits % 3)
    if kind == "webinar":
        return (0, 1 + (bits >> 16) % 6)
    if kind == "revoked":
        return (0, 1 + (bits >> 16) % 7)
    if kind == "manager_grant":
        return (0, later, later)
    if kind == "exam":
        return (0, started, started + 1 + (bits >> 8) % 3)
    if kind == "enrolled":
        return (0,)
    if kind == "certified_on_enrollment":
        return (0, 0)
    raise ValueError(f"unknown journey kind {kind!r}")


def journey_sources(kind: str, content_type: str, draws: Draws, rotation: int) -> list[str]:
    """The raw Source of each step of a journey of `kind`.

    `rotation` (the start day modulo 4) makes the docs' odd spellings certain every few days
    rather than merely likely: tests over a week can count on them at the default size.
    """
    if kind == "webinar":
        return [draws.weighted(_WEBINAR_ENROLLMENT_SOURCES), "webinar_attended"]
    if kind == "revoked":
        revocation, _, enrollments = draws.weighted_row(_REVOCATIONS)
        return [_raw(draws.pick(enrollments), draws), revocation]
    if kind == "manager_grant":
        enrollment = draws.pick(_MANAGER_ENROLLMENT_SOURCES)
        if rotation == 0:
            return [enrollment, MANAGER_GRANT_COMPLETED_AS_DOCUMENTED, "manager_grant"]
        completion = "manager_grant_completed" if draws.below(4) else "manager_change_completed"
        return [enrollment, _raw(completion, draws), _CERTIFICATE_AFTER[completion]]
    if kind == "certified_on_enrollment":
        source = draws.pick(_CERTIFICATE_ON_ENROLLMENT)
        return [source, source]
    if kind == "enrolled" and rotation == 1:
        enrollment = GIFT_COURSE_PURCHASE_AS_DOCUMENTED
    else:
        enrollment = _enrollment_source(content_type, draws)
    if content_type == "shareableContentObject" and draws.below(2):
        start = "scorm_started"
    else:
        start = draws.weighted(_START_SOURCES)
    if kind in ("started", "enrolled"):
        return [enrollment, start]
    if kind == "exam":
        return [enrollment, "course_started", "passed_exam"]
    completion = draws.weighted(_COMPLETION_SOURCES)
    if completion == "recertify":
        learning_path = content_type == "learningPath"
        completion = "recertify_learning_path" if learning_path else "recertify_course"
    certificate = _CERTIFICATE_AFTER[completion]
    if certificate == "course_completed" and draws.below(10) == 0:
        certificate = "api"  # granted by an integration
    return [enrollment, "course_started", _raw(completion, draws), certificate]


def _enrollment_source(content_type: str, draws: Draws) -> str:
    if content_type == "bundle" and draws.below(2):
        return draws.pick(_BUNDLE_ENROLLMENT_SOURCES)
    if content_type == "shareableContentObject" and draws.below(3) == 0:
        return "scorm_connect"
    return _raw(draws.weighted(_ENROLLMENT_SOURCES), draws)


def _raw(source: str, draws: Draws) -> str:
    """The Source as an export writes it: the docs' odd spellings, most of the time."""
    if source == "gift_course_purchase" and draws.below(4):
        return GIFT_COURSE_PURCHASE_AS_DOCUMENTED
    if source == "manager_grant_completed" and draws.below(2):
        return MANAGER_GRANT_COMPLETED_AS_DOCUMENTED
    return source
