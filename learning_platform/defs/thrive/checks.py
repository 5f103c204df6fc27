"""Blocking checks on the staged Thrive streams: verbs and user vocabularies known, ids well-formed,
keys present and unique, CPD durations whole and not negative (the rules are in
lib/thrive/rules.py)."""

from learning_platform.defs.shared.checks import build_staged_checks
from learning_platform.defs.thrive.assets import STREAMS, USERS

thrive_checks = [build_staged_checks(stream) for stream in [*STREAMS.values(), USERS]]
