"""The sandbox: a deterministic synthetic company and HTTP simulators of its learning upstreams."""

from learning_platform.sandbox.linkedin import (
    Activity,
    ActivityRow,
    Faults,
    Gate,
    LinkedInReports,
    LinkedInSimulator,
    Report,
    ReportElement,
    ReportQuery,
    RequestRecord,
    days_in_window,
)
from learning_platform.sandbox.organisation import (
    CONTENT_ASSET_TYPES,
    Content,
    Engagement,
    Learner,
    Locale,
    Organisation,
)
from learning_platform.sandbox.server import Request, Response, SandboxServer, Simulator

__all__ = [
    "CONTENT_ASSET_TYPES",
    "Activity",
    "ActivityRow",
    "Content",
    "Engagement",
    "Faults",
    "Gate",
    "Learner",
    "LinkedInReports",
    "LinkedInSimulator",
    "Locale",
    "Organisation",
    "Report",
    "ReportElement",
    "ReportQuery",
    "Request",
    "RequestRecord",
    "Response",
    "SandboxServer",
    "Simulator",
    "days_in_window",
]
