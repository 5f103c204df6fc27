"""Staging one Pacific day of one LinkedIn report: its pages fetched, turned into typed rows and
written to the staging area as the day's files (activity, and learner and content details)."""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from learning_platform.lib.http import RequestStats
from learning_platform.lib.linkedin_learning import records
from learning_platform.lib.linkedin_learning.api import LinkedInLearningApi
from learning_platform.lib.linkedin_learning.records import Aggregation
from learning_platform.lib.prefetch import prefetched
from learning_platform.lib.staging import StagingArea
from learning_platform.lib.windows import DayWindow

# The source's folder in the staging area, and the first part of its asset keys.
SOURCE = "linkedin_learning"
# The staged files of a day: the report's rows, and the details of whom and what they are about.
ACTIVITY, LEARNERS, CONTENTS = "activity", "learners", "contents"
DETAIL_BATCHES = {LEARNERS: records.learner_batch, CONTENTS: records.content_batch}
# The columns that name a record of each file (where a NUL character had to be replaced).
DETAIL_IDS = {LEARNERS: ("learner_urn",), CONTENTS: ("content_urn",)}


def detail_parts(aggregation: Aggregation) -> dict[str, pa.Schema]:
    """The details files an aggregation stages besides its activity, with their schemas."""
    parts = {}
    if aggregation.has_learner:
        parts[LEARNERS] = records.LEARNER_SCHEMA
    if aggregation.has_content:
        parts[CONTENTS] = records.CONTENT_SCHEMA
    return parts


@dataclass
class StagedWindow:
    """What staging one day produced, for the run's metadata."""

    window: DayWindow
    rows: int = 0
    pages: int = 0
    learners: int = 0
    contents: int = 0
    latest_data_at: int | None = None
    rows_per_engagement_type: Counter = field(default_factory=Counter)

    @property
    def final(self) -> bool:
        return records.day_is_final(self.window, self.latest_data_at)

    def observe(self, batch: pa.RecordBatch) -> None:
        """Count a page's rows per engagement type and keep the newest latestDataAt."""
        if batch.num_rows == 0:
            return
        for entry in pc.value_counts(batch.column("engagement_type")).to_pylist():
            self.rows_per_engagement_type[str(entry["values"])] += entry["counts"]
        latest_ms = pc.max(batch.column("latest_data_at")).value  # the column is in ms
        if latest_ms is not None:
            self.latest_data_at = max(self.latest_data_at or latest_ms, latest_ms)


def stage_window(
    api: LinkedInLearningApi,
    area: StagingArea,
    aggregation: Aggregation,
    window: DayWindow,
    stats: RequestStats,
) -> StagedWindow:
    """Fetch one day of one aggregation, page by page, into its staged Parquet files.

    Each page becomes Arrow batches as it arrives; a day is never held in memory whole. The files
    replace the previous staging of the day only if the whole day was fetched.
    """
    staged = StagedWindow(window)

    def writer(part: str, schema: pa.Schema, record_ids: tuple[str, ...]):
        return area.writer(SOURCE, aggregation.stream, window.key, part, schema, record_ids)

    # The next page is fetched while this one is converted and written: still one request in
    # flight, but the wait for it no longer adds up with the work.
    pages = prefetched(
        api.activity_report_pages(
            window,
            aggregation.primary,
            aggregation.secondary,
            stats=stats,
            asset_type=aggregation.asset_type,
        ),
        name=f"linkedin-{aggregation.stream}-pages",
    )
    with contextlib.ExitStack() as files:
        files.enter_context(contextlib.closing(pages))  # a failure here stops the fetching thread
        activity = files.enter_context(
            writer(ACTIVITY, aggregation.activity_schema, aggregation.key_columns)
        )
        details = {
            part: files.enter_context(writer(part, schema, DETAIL_IDS[part]))
            for part, schema in detail_parts(aggregation).items()
        }
        # Details are staged once per learner or content item and day, not once per element.
        seen: dict[str, set[str]] = {part: set() for part in details}
        for page in pages:
            staged.pages += 1
            batch = records.activity_batch(page.elements, window, aggregation)
            activity.write(batch)
            staged.observe(batch)
            for part, sink in details.items():
                sink.write(DETAIL_BATCHES[part](page.elements, window.day, seen[part]))
        staged.rows = activity.rows
        staged.learners = details[LEARNERS].rows if LEARNERS in details else 0
        staged.contents = details[CONTENTS].rows if CONTENTS in details else 0
    return staged
