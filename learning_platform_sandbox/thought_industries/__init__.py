"""Thought Industries "Content Actions" CSV exports of the shared organisation, as people drop them.

Thought Industries has no API here: its Content Actions report (upstreams.md §3) reaches the
platform as a CSV file in a folder. Two layers:

- `ContentActions` (`content_actions`) computes the organisation's learner actions per UTC day,
  without I/O, from journeys (`journeys`). Tests and the platform use it for expectations
  (`actions_on`, `expected_rows`).
- `ContentActions.write_export` writes those actions as an export file (`exports`), with the
  variations real exports show: BOM or not, CRLF or LF, several timestamp styles, blank Panorama
  Names, odd Source spellings, e-mails with stray spaces or capitals, titles that need CSV quoting.
"""

from learning_platform_sandbox.thought_industries.content_actions import ContentActions
from learning_platform_sandbox.thought_industries.exports import (
    COLUMNS,
    LINE_ENDINGS,
    TIMESTAMP_FORMATS,
    append_rows,
    export_name,
    format_timestamp,
)
from learning_platform_sandbox.thought_industries.rows import (
    Action,
    CatalogueItem,
    normalised_source,
)

__all__ = [
    "COLUMNS",
    "LINE_ENDINGS",
    "TIMESTAMP_FORMATS",
    "Action",
    "CatalogueItem",
    "ContentActions",
    "append_rows",
    "export_name",
    "format_timestamp",
    "normalised_source",
]
