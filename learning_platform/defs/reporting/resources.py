"""The secret under which learner keys are made, bound to LEARNING_PLATFORM_PSEUDONYM_KEY as
`pseudonym_key`."""

from __future__ import annotations

import dagster as dg

from learning_platform import settings
from learning_platform.lib.identity import Pseudonymizer


class PseudonymKey(dg.ConfigurableResource):
    """The HMAC secret of the learner keys. Required: a run that builds the learner directory fails
    at set-up, naming the variable, when it is missing or too short."""

    secret: str | None = None

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self.pseudonymizer()

    def pseudonymizer(self) -> Pseudonymizer:
        return Pseudonymizer.from_secret(self.secret)


@dg.definitions
def resources() -> dg.Definitions:
    # Bound only when set: Dagster refuses an unset EnvVar with its own message, while ours says
    # what the key is for and how to make one.
    if settings.env(settings.PSEUDONYM_KEY):
        return dg.Definitions(
            resources={"pseudonym_key": PseudonymKey(secret=dg.EnvVar(settings.PSEUDONYM_KEY))}
        )
    return dg.Definitions(resources={"pseudonym_key": PseudonymKey()})
