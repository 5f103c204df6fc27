"""Thrive (learn.link) simulator: token endpoint and public REST API over an Organisation.

Two layers, as for LinkedIn:

- `ThriveRecords` (`records`) turns the organisation into Thrive's records (activities, CPD
  entries, users) with no HTTP. Tests use it for expectations.
- `ThriveSimulator` (`simulator`) serves those records under `/thrive` the way upstreams.md §2
  describes the real API, quirks included: `api` holds its paths and limits, `parameters` reads a
  call. Tests inject faults (`faults`) and observe the calls.
"""

from learning_platform_sandbox.thrive.activities import ACTIVITY_TYPES
from learning_platform_sandbox.thrive.faults import ThriveFaults
from learning_platform_sandbox.thrive.records import CONTENT_TYPES, ThriveRecords
from learning_platform_sandbox.thrive.simulator import ThriveSimulator

__all__ = ["ACTIVITY_TYPES", "CONTENT_TYPES", "ThriveFaults", "ThriveRecords", "ThriveSimulator"]
