"""Resources, bound to the environment contract of DESIGN.md §4.

Secrets are bound with `dg.EnvVar`, so the UI shows the variable's name, never its value.
"""

import dagster as dg

from learning_platform import settings
from learning_platform.defs.linkedin_learning.resources import LinkedInLearningClient
from learning_platform.defs.reporting.resources import PseudonymKey
from learning_platform.defs.staging import StagingStore
from learning_platform.defs.thought_industries.resources import ThoughtIndustriesDrops
from learning_platform.defs.thrive.resources import ThriveClient
from learning_platform.defs.warehouse import PostgresWarehouse
from learning_platform.lib.memory import limit_allocator_arenas

# Run processes load these definitions before their first step, and before most of their threads:
# two malloc arenas for the whole run, instead of one more per thread that allocates.
limit_allocator_arenas()


def _warehouse() -> PostgresWarehouse:
    if settings.env(settings.DATABASE_URL):
        return PostgresWarehouse(database_url=dg.EnvVar(settings.DATABASE_URL))
    return PostgresWarehouse()


def _pseudonym_key() -> PseudonymKey:
    # Bound only when set: Dagster refuses an unset EnvVar with its own message, while ours says
    # what the key is for and how to make one.
    if settings.env(settings.PSEUDONYM_KEY):
        return PseudonymKey(secret=dg.EnvVar(settings.PSEUDONYM_KEY))
    return PseudonymKey()


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "warehouse": _warehouse(),
            "staging": StagingStore(),
            "linkedin_learning": LinkedInLearningClient(
                client_id=dg.EnvVar(settings.LINKEDIN_CLIENT_ID),
                client_secret=dg.EnvVar(settings.LINKEDIN_CLIENT_SECRET),
                api_url=settings.env(settings.LINKEDIN_API_URL)
                or settings.DEFAULT_LINKEDIN_API_URL,
                token_url=settings.env(settings.LINKEDIN_TOKEN_URL)
                or settings.DEFAULT_LINKEDIN_TOKEN_URL,
            ),
            "thrive": ThriveClient.from_environment(),
            "pseudonym_key": _pseudonym_key(),
            "thought_industries_drops": ThoughtIndustriesDrops(
                url=settings.env(settings.THOUGHT_INDUSTRIES_DROP_URL)
            ),
        },
        # Steps run in the run's own process: a LinkedIn day is a few seconds of work, and a new
        # process per step would cost more than the step itself.
        executor=dg.in_process_executor,
    )
