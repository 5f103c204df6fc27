"""The staging store resource: staged partitions as Parquet files on a path or object-store URL."""

from __future__ import annotations

import dagster as dg
from pydantic import PrivateAttr

from learning_platform import settings
from learning_platform.lib.staging import StagingArea


class StagingStore(dg.ConfigurableResource):
    """Staged partitions, one Parquet file per partition per staged stream, under LEARNING_PLATFORM_STAGING_URL."""

    url: str | None = None

    _area: StagingArea | None = PrivateAttr(default=None)

    @property
    def area(self) -> StagingArea:
        if self._area is None:
            self._area = StagingArea(self.url or settings.staging_url())
        return self._area
