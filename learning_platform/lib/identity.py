"""One learner across sources: a pseudonymous key from the e-mail, under a secret key.

`learner_key` = HMAC-SHA256(LEARNING_PLATFORM_PSEUDONYM_KEY, trimmed lower-cased e-mail), in hex.
The same person gets the same key in LinkedIn Learning, Thrive and Thought Industries, and the key
cannot be turned back into the e-mail without the secret. A learner without an e-mail gets a key
scoped to the source's own id instead: still one learner, still counted, just not joined across
sources.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from learning_platform import settings

# An HMAC key shorter than this is guessable enough to matter: the e-mails it hides are not secret.
MIN_KEY_LENGTH = 16


class PseudonymKeyError(ValueError):
    """The pseudonym key is missing or unusable. Names the variable, never its value."""


def normalise_email(email: str | None) -> str | None:
    """The e-mail as it is keyed: trimmed and lower-cased; None when there is nothing left."""
    if email is None:
        return None
    normalised = email.strip().lower()
    return normalised or None


@dataclass(frozen=True, repr=False)
class Pseudonymizer:
    """Computes learner keys under one secret. Its repr never shows the secret."""

    secret: bytes

    @classmethod
    def from_secret(cls, secret: str | None) -> Pseudonymizer:
        if secret is None or not secret.strip():
            raise PseudonymKeyError(
                f"{settings.PSEUDONYM_KEY} is not set. Learner keys are an HMAC of the e-mail under "
                "this secret: set it to a long random value (for example the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`) and keep it, "
                "because a different secret gives every learner a different key."
            )
        if len(secret.strip()) < MIN_KEY_LENGTH:
            raise PseudonymKeyError(
                f"{settings.PSEUDONYM_KEY} is too short: use at least {MIN_KEY_LENGTH} characters "
                "of random text."
            )
        return cls(secret.strip().encode())

    def __repr__(self) -> str:
        return "Pseudonymizer(secret=<hidden>)"

    def _key(self, message: str) -> str:
        return hmac.new(self.secret, message.encode(), hashlib.sha256).hexdigest()

    def learner_key(self, email: str) -> str:
        """The key of the person with this e-mail, whatever its case and surrounding spaces."""
        normalised = normalise_email(email)
        if normalised is None:
            raise ValueError("an empty e-mail has no learner key; use source_scoped_key")
        return self._key(normalised)

    def source_scoped_key(self, source: str, source_id: str) -> str:
        """The key of a learner known only by a source's own id. The message has no '@', so it
        cannot be the key of any e-mail."""
        return self._key(f"{source}:{source_id}")

    def key_for(self, source: str, source_id: str, email: str | None) -> tuple[str, bool]:
        """(learner key, whether it came from an e-mail)."""
        normalised = normalise_email(email)
        if normalised is None:
            return self.source_scoped_key(source, source_id), False
        return self._key(normalised), True
