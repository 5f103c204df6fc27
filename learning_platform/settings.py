"""The environment contract (DESIGN.md §4): every setting that differs between a laptop, CI and
production, read from one place."""

from __future__ import annotations

import os
from pathlib import Path

HOME = "LEARNING_PLATFORM_HOME"
DATABASE_URL = "LEARNING_PLATFORM_DATABASE_URL"  # the loader's: every asset runs as it
# The migrating role's, where it differs from the loader's (compose and Kubernetes): used by
# `learning-platform db upgrade` only; runs never see it.
MIGRATION_DATABASE_URL = "LEARNING_PLATFORM_MIGRATION_DATABASE_URL"
STAGING_URL = "LEARNING_PLATFORM_STAGING_URL"
STAGING_RETENTION_DAYS = "LEARNING_PLATFORM_STAGING_RETENTION_DAYS"
LINKEDIN_CLIENT_ID = "LINKEDIN_LEARNING_CLIENT_ID"
LINKEDIN_CLIENT_SECRET = "LINKEDIN_LEARNING_CLIENT_SECRET"
LINKEDIN_API_URL = "LINKEDIN_LEARNING_API_URL"
LINKEDIN_TOKEN_URL = "LINKEDIN_LEARNING_TOKEN_URL"
LINKEDIN_START_DATE = "LINKEDIN_LEARNING_START_DATE"
# A day's pages fetched at once, per source (each resource says why its default).
LINKEDIN_MAX_PAGES_IN_FLIGHT = "LINKEDIN_LEARNING_MAX_PAGES_IN_FLIGHT"
THRIVE_MAX_PAGES_IN_FLIGHT = "THRIVE_MAX_PAGES_IN_FLIGHT"
THRIVE_TENANT_ID = "THRIVE_TENANT_ID"
THRIVE_API_SECRET = "THRIVE_API_SECRET"
THRIVE_CLIENT_ID = "THRIVE_CLIENT_ID"
THRIVE_CLIENT_SECRET = "THRIVE_CLIENT_SECRET"
THRIVE_AUTH = "THRIVE_AUTH"
THRIVE_ENVIRONMENT = "THRIVE_ENVIRONMENT"
THRIVE_API_URL = "THRIVE_API_URL"
THRIVE_TOKEN_URL = "THRIVE_TOKEN_URL"
THRIVE_START_DATE = "THRIVE_START_DATE"
THOUGHT_INDUSTRIES_DROP_URL = "THOUGHT_INDUSTRIES_DROP_URL"
PSEUDONYM_KEY = "LEARNING_PLATFORM_PSEUDONYM_KEY"
# The password `learning-platform db add-reader` gives an analyst's new login (else it asks).
READER_PASSWORD = "LEARNING_PLATFORM_READER_PASSWORD"
AUTOMATION = "LEARNING_PLATFORM_AUTOMATION"

DEFAULT_LINKEDIN_API_URL = "https://api.linkedin.com"
DEFAULT_LINKEDIN_TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"
# The first Pacific day the LinkedIn partitions offer; operators backfill from here.
DEFAULT_LINKEDIN_START_DATE = "2025-01-01"
# The first UTC day the Thrive partitions offer.
DEFAULT_THRIVE_START_DATE = "2025-01-01"
# How long a loaded staged partition (learners' e-mails and names) is kept. A staged file is only
# needed to run a partition's checks and load again without asking the upstream again. 30 days is
# the LinkedIn late-data sensor's look-back (defs/linkedin_learning/sensors.py, LOOKBACK_DAYS): the
# days the platform may still re-stage and reload on its own keep their files for a re-execution of
# a check or a load, and a month leaves time to notice and repair a bad load without another API
# call. Older days are touched only by a manual backfill, which stages them again. A Thought
# Industries export cannot be pulled again, but its CSV stays in the drop folder and can be staged
# again from there. Longer would keep a second copy of personal data for no use. A partition not
# loaded since it was staged is never removed, whatever its age.
DEFAULT_STAGING_RETENTION_DAYS = 30


def env(name: str) -> str | None:
    """The variable's value, with an empty string treated as unset."""
    value = os.environ.get(name, "").strip()
    return value or None


def home() -> Path:
    """Local state: the embedded database, staging, the demo's drop folder and Dagster instance."""
    return Path(env(HOME) or ".learning_platform").expanduser().resolve()


def staging_url() -> str:
    return env(STAGING_URL) or str(home() / "staging")


def staging_retention_days() -> int:
    """Days a loaded staged partition is kept (LEARNING_PLATFORM_STAGING_RETENTION_DAYS)."""
    value = env(STAGING_RETENTION_DAYS)
    if value is None:
        return DEFAULT_STAGING_RETENTION_DAYS
    days = int(value) if value.isdigit() else 0
    if days < 1:
        raise ValueError(
            f"{STAGING_RETENTION_DAYS} must be a whole number of days, at least 1, not {value!r}"
        )
    return days


def thought_industries_drop_url() -> str:
    """Where Thought Industries content-action exports are dropped."""
    return env(THOUGHT_INDUSTRIES_DROP_URL) or str(home() / "drops" / "thought_industries")


def automation_on() -> bool:
    """Whether schedules and sensors start RUNNING when the code location loads (a deployment sets
    LEARNING_PLATFORM_AUTOMATION=on); otherwise they start STOPPED and are turned on in the UI."""
    value = env(AUTOMATION)
    if value is None or value.lower() in {"off", "false", "0", "no"}:
        return False
    if value.lower() in {"on", "true", "1", "yes"}:
        return True
    raise ValueError(f"{AUTOMATION} must be 'on' or 'off', not {value!r}")
