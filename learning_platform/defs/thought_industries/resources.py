"""The drop location of Thought Industries exports, bound to THOUGHT_INDUSTRIES_DROP_URL as
`thought_industries_drops`."""

from __future__ import annotations

import dagster as dg
from pydantic import PrivateAttr

from learning_platform import settings
from learning_platform.lib.thought_industries.drops import DropFolder


class ThoughtIndustriesDrops(dg.ConfigurableResource):
    """The folder (or fsspec object-store URL) where content-action exports are dropped;
    `$LEARNING_PLATFORM_HOME/drops/thought_industries` when THOUGHT_INDUSTRIES_DROP_URL is unset."""

    url: str | None = None

    _folder: DropFolder | None = PrivateAttr(default=None)

    @property
    def folder(self) -> DropFolder:
        if self._folder is None:
            self._folder = DropFolder(self.url or settings.thought_industries_drop_url())
        return self._folder


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "thought_industries_drops": ThoughtIndustriesDrops(
                url=settings.env(settings.THOUGHT_INDUSTRIES_DROP_URL)
            )
        }
    )
