"""A Content Actions report row (an Action), and a content item as Thought Industries names it."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple


class Action(NamedTuple):
    """One row of the Content Actions report, with its values as the export writes them."""

    email: str  # as written: a few have surrounding spaces or capitals
    panorama_name: str  # "" when the learner is in no client portal
    content_type: str
    content_title: str
    action_type: str
    action_source: str  # raw: the docs' odd spellings occur
    timestamp: datetime  # aware, UTC, whole milliseconds

    @property
    def natural_key(self) -> tuple[str, str, str, str, str, datetime]:
        """What identifies the action in any export: normalised e-mail and source, no panorama."""
        return (
            self.email.strip().lower(),
            self.content_type,
            self.content_title,
            self.action_type,
            normalised_source(self.action_source),
            self.timestamp,
        )


class CatalogueItem(NamedTuple):
    """One content item as Thought Industries names it."""

    content_type: str
    title: str


def normalised_source(raw: str) -> str:
    """The Source as the vocabulary lists it: lower case, `-` to `_` (§3.3)."""
    return raw.strip().lower().replace("-", "_")
