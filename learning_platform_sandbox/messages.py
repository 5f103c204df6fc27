"""The HTTP a simulator sees: a Request in, a Response out, and the Simulator protocol it meets."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    params: dict[str, str]  # query string; the last value wins when a name repeats
    headers: Mapping[str, str]  # case-insensitive
    body: bytes = b""

    def bearer_token(self) -> str | None:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return token.strip()

    def basic_credentials(self) -> tuple[str, str] | None:
        """(user, password) of an `Authorization: Basic` header; None if absent or unreadable."""
        scheme, _, encoded = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, colon, password = decoded.partition(":")
        return (user, password) if colon else None

    def form(self) -> dict[str, str]:
        """The url-encoded form of the body; the last value wins when a name repeats."""
        return {k: v[-1] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()}


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
        return cls(status, dumps(payload).encode(), headers=headers or {})


class Simulator(Protocol):
    """What the server needs from an upstream simulator."""

    path_prefixes: tuple[str, ...]

    def handle(self, request: Request) -> Response: ...

    def environment(self, base_url: str) -> dict[str, str]:
        """The variables a client of this upstream needs when the server lives at `base_url`."""
        ...

    def close(self) -> None:
        """Wake anything the simulator is holding (slow or held responses): the server stops."""
        ...


def dumps(value: object) -> str:
    """Compact JSON, as the upstreams answer it."""
    return json.dumps(value, separators=(",", ":"))
