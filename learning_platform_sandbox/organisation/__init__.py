"""The one deterministic synthetic company every simulator serves: people, content, engagement.

Every simulator (LinkedIn Learning, Thrive, Thought Industries) reports on the same learners, with
the same e-mails, so nothing here is shaped like one vendor's API. Everything derives from `seed`
through blake2b hashes (`hashing`): never the global `random` state, never the per-process salted
built-in `hash` of strings. Two organisations with the same arguments are identical, in any process.

`people` makes the learners, `catalogue` the content, and `company` the Organisation with each
Pacific day's engagements.
"""

from learning_platform_sandbox.organisation.catalogue import (
    CONTENT_ASSET_TYPES,
    LINKEDIN_LEARNING,
    ORGANIZATION,
    THIRD_PARTY,
    Content,
    Locale,
)
from learning_platform_sandbox.organisation.company import Engagement, Organisation
from learning_platform_sandbox.organisation.hashing import Draws, pick_weighted, stable_hash
from learning_platform_sandbox.organisation.people import Learner

__all__ = [
    "CONTENT_ASSET_TYPES",
    "LINKEDIN_LEARNING",
    "ORGANIZATION",
    "THIRD_PARTY",
    "Content",
    "Draws",
    "Engagement",
    "Learner",
    "Locale",
    "Organisation",
    "pick_weighted",
    "stable_hash",
]
