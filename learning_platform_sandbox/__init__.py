"""The sandbox: a deterministic synthetic company and HTTP simulators of its learning upstreams."""

from learning_platform_sandbox.faults import Gate
from learning_platform_sandbox.linkedin_learning import (
    Activity,
    ActivityRow,
    Faults,
    LinkedInReports,
    LinkedInSimulator,
    Report,
    ReportElement,
    ReportQuery,
    days_in_window,
)
from learning_platform_sandbox.messages import Request, Response, Simulator
from learning_platform_sandbox.observation import RequestRecord
from learning_platform_sandbox.organisation import (
    CONTENT_ASSET_TYPES,
    Content,
    Engagement,
    Learner,
    Locale,
    Organisation,
)
from learning_platform_sandbox.server import SandboxServer
from learning_platform_sandbox.thought_industries import (
    Action,
    CatalogueItem,
    ContentActions,
    append_rows,
)
from learning_platform_sandbox.thrive import ThriveFaults, ThriveRecords, ThriveSimulator
from learning_platform_sandbox.tokens import Tokens

__all__ = [
    "CONTENT_ASSET_TYPES",
    "Action",
    "Activity",
    "ActivityRow",
    "CatalogueItem",
    "Content",
    "ContentActions",
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
    "ThriveFaults",
    "ThriveRecords",
    "ThriveSimulator",
    "Tokens",
    "append_rows",
    "days_in_window",
]
