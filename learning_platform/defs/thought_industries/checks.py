"""Blocking checks on each staged Thought Industries export: Type known, (Type, Source) a documented
pair, every part of the natural key present (the rules are in lib/thought_industries/rules.py).

A failure stops the load of that file in the same run and leaves the table untouched; its metadata
names the file, the line numbers and the values (never an e-mail).
"""

from learning_platform.defs.shared.checks import build_staged_checks
from learning_platform.defs.thought_industries.assets import CONTENT_ACTIONS

thought_industries_checks = [build_staged_checks(CONTENT_ACTIONS)]
