"""The secret under which learner keys are made, from LEARNING_PLATFORM_PSEUDONYM_KEY."""

from __future__ import annotations

import dagster as dg

from learning_platform.lib.identity import Pseudonymizer


class PseudonymKey(dg.ConfigurableResource):
    """The HMAC secret of the learner keys. Required: a run that builds the learner directory fails
    at set-up, naming the variable, when it is missing or too short."""

    secret: str | None = None

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self.pseudonymizer()

    def pseudonymizer(self) -> Pseudonymizer:
        return Pseudonymizer.from_secret(self.secret)
