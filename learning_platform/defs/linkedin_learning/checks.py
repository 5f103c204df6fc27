"""Blocking checks on the staged LinkedIn streams: vocabularies known, natural keys present and
unique (the rules are in lib/linkedin_learning/rules.py)."""

from learning_platform.defs.linkedin_learning.assets import STREAMS
from learning_platform.defs.shared.checks import build_staged_checks

linkedin_checks = [build_staged_checks(stream) for stream in STREAMS.values()]
