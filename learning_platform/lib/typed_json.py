"""Upstream JSON decoded straight into typed structs (msgspec), and the two ways that can fail: a
body that is no page at all (worth asking again), and a page whose values cannot be stored
without loss (asking again brings the same values)."""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec

from learning_platform.lib.http import MalformedBody


class MalformedPage(MalformedBody):
    """A body that is not the page it should be: an HTML error page, JSON cut short, a missing
    list. The HTTP client retries it; it is never read as "no records"."""


class RecordError(ValueError):
    """A record that cannot become a row without losing information."""


def decode(
    decoder: msgspec.json.Decoder, body: bytes, context: str, quotable: frozenset[str]
) -> Any:
    """`body` decoded by `decoder`. A refused value raises RecordError naming `context`, the JSON
    path and, for the `quotable` fields only (numbers, enums, ids: never a name or an e-mail),
    the value."""
    try:
        return decoder.decode(body)
    except msgspec.ValidationError as error:
        raise RecordError(f"{context}: {_describe(error, body, quotable)}") from None
    except msgspec.DecodeError as error:
        raise MalformedPage(f"not JSON: {error}") from None


def _describe(error: msgspec.ValidationError, body: bytes, quotable: frozenset[str]) -> str:
    """msgspec says where ("at `$.elements[3].activities[0].engagementValue`"); add the value
    found there when its field may be quoted, so the message says what was refused."""
    message = str(error)
    path = message.rpartition("at `$")[2].rstrip("`")
    steps = re.findall(r"\.(\w+)|\[(\d+)\]", path)
    if not steps or steps[-1][0] not in quotable:
        return message
    try:
        value = json.loads(body)
        for name, index in steps:
            value = value[name] if name else value[int(index)]
    except (ValueError, KeyError, IndexError, TypeError):
        return message
    return f"{steps[-1][0]} {value!r} refused: {message}"
