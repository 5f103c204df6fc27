"""LinkedIn Learning simulator: token endpoint and Reporting API over an Organisation, with quirks.

Two layers:

- `LinkedInReports` (`reports`) turns the organisation's engagements into report elements
  (`elements`), with no HTTP. Tests use it for expectations (`expected_element_count`,
  `expected_row_count`, `expected_totals`, `activity_rows`).
- `LinkedInSimulator` (`simulator`) serves those elements over HTTP the way upstreams.md §1
  describes the real API, quirks included: `api` holds its paths and limits, `parameters` reads a
  report call, `pages` renders the JSON. Tests inject faults (`faults`) and observe the calls.
"""

from learning_platform_sandbox.linkedin_learning.api import days_in_window
from learning_platform_sandbox.linkedin_learning.elements import (
    Activity,
    ActivityRow,
    ReportElement,
)
from learning_platform_sandbox.linkedin_learning.faults import Faults
from learning_platform_sandbox.linkedin_learning.reports import LinkedInReports, Report, ReportQuery
from learning_platform_sandbox.linkedin_learning.simulator import LinkedInSimulator

__all__ = [
    "Activity",
    "ActivityRow",
    "Faults",
    "LinkedInReports",
    "LinkedInSimulator",
    "Report",
    "ReportElement",
    "ReportQuery",
    "days_in_window",
]
