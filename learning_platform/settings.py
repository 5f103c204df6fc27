"""The environment contract (DESIGN.md §4): every setting that differs between a laptop, CI and
production, read from one place."""

from __future__ import annotations

import os
from pathlib import Path

HOME = "LEARNING_PLATFORM_HOME"
DATABASE_URL = "LEARNING_PLATFORM_DATABASE_URL"
STAGING_URL = "LEARNING_PLATFORM_STAGING_URL"
LINKEDIN_CLIENT_ID = "LINKEDIN_LEARNING_CLIENT_ID"
LINKEDIN_CLIENT_SECRET = "LINKEDIN_LEARNING_CLIENT_SECRET"
LINKEDIN_API_URL = "LINKEDIN_LEARNING_API_URL"
LINKEDIN_TOKEN_URL = "LINKEDIN_LEARNING_TOKEN_URL"
LINKEDIN_START_DATE = "LINKEDIN_LEARNING_START_DATE"
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
AUTOMATION = "LEARNING_PLATFORM_AUTOMATION"

DEFAULT_LINKEDIN_API_URL = "https://api.linkedin.com"
DEFAULT_LINKEDIN_TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"
# The first Pacific day the LinkedIn partitions offer; operators backfill from here.
DEFAULT_LINKEDIN_START_DATE = "2025-01-01"
# The first UTC day the Thrive partitions offer.
DEFAULT_THRIVE_START_DATE = "2025-01-01"


def env(name: str) -> str | None:
    """The variable's value, with an empty string treated as unset."""
    value = os.environ.get(name, "").strip()
    return value or None


def home() -> Path:
    """Local state: the embedded database, staging, the demo's drop folder and Dagster instance."""
    return Path(env(HOME) or ".learning_platform").expanduser().resolve()


def staging_url() -> str:
    return env(STAGING_URL) or str(home() / "staging")


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
