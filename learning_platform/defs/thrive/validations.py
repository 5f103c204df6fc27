"""What the staged Thrive streams must satisfy before they are loaded: each rule is one blocking
check, and the table assets run the same rules again as their last guard."""

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow.compute as pc

from learning_platform.lib import vocabulary
from learning_platform.lib.thrive.records import ID_PATTERN
from learning_platform.lib.validation import (
    Finding,
    Rows,
    keys_present_and_unique,
    known_values,
    matches_pattern,
    no_row_where,
)


@dataclass(frozen=True)
class Rule:
    check_name: str
    description: str
    run: Callable[[Rows], Finding]


def _all_of(findings: list[Finding]) -> Finding:
    """Several findings as one: passed only if all passed, each failure's details under its label."""
    failed = [finding for finding in findings if not finding.passed]
    if not failed:
        return Finding(
            True, "; ".join(finding.summary for finding in findings), findings[0].details
        )
    return Finding(
        False,
        "; ".join(finding.summary for finding in failed),
        {"failures": [finding.details | {"summary": finding.summary} for finding in failed]},
    )


def _ids_rule(columns: tuple[str, ...], samples: list[str]) -> Rule:
    return Rule(
        "ids_well_formed",
        f"{', '.join(columns)}: Thrive ids, 24 hexadecimal digits.",
        lambda rows: _all_of(
            [
                matches_pattern(rows, column, ID_PATTERN, sample_columns=samples)
                for column in columns
            ]
        ),
    )


def _keys_rule(key: str) -> Rule:
    return Rule(
        "keys_present_and_unique",
        f"{key} present on every row and unique.",
        lambda rows: keys_present_and_unique(rows, [key]),
    )


def _vocabulary_rule(
    check_name: str, column: str, list_name: str, label: str, samples: list[str]
) -> Rule:
    return Rule(
        check_name,
        f"Every {label} is one lib/vocabulary.py {list_name} knows.",
        # Looked up at check time, so the list in vocabulary.py is the one place to extend.
        lambda rows: known_values(
            rows, column, getattr(vocabulary, list_name), sample_columns=samples, label=label
        ),
    )


# Samples show ids, verbs, times and numbers: never an e-mail, a name or free text.
ACTIVITY_SAMPLE = ["id", "user_id", "type", "occurred_at"]
CPD_SAMPLE = ["log_entry_id", "user_id", "entry_date", "duration_minutes_as_received"]
USER_SAMPLE = ["id", "role", "status"]

ACTIVITY_RULES = (
    _vocabulary_rule(
        "type_known", "type", "THRIVE_ACTIVITY_TYPES", "activity type", ACTIVITY_SAMPLE
    ),
    _ids_rule(("id", "user_id"), ACTIVITY_SAMPLE),
    _keys_rule("id"),
)

CPD_ENTRY_RULES = (
    Rule(
        "duration_minutes_whole_and_not_negative",
        'durationMinutes is a whole number of minutes, 0 or more (15, 15.0 and "15" are).',
        lambda rows: no_row_where(
            rows,
            ["duration_minutes"],
            lambda batch: pc.less(batch.column(0), 0),  # null (not a whole number) is bad too
            sample_columns=CPD_SAMPLE,
            problem="have a durationMinutes that is not a whole number of minutes, 0 or more",
            passed="every durationMinutes is a whole number, 0 or more",
        ),
    ),
    _ids_rule(("log_entry_id", "user_id"), CPD_SAMPLE),
    _keys_rule("log_entry_id"),
)

USER_RULES = (
    _vocabulary_rule("role_known", "role", "THRIVE_USER_ROLES", "user role", USER_SAMPLE),
    _vocabulary_rule("status_known", "status", "THRIVE_USER_STATUSES", "user status", USER_SAMPLE),
    _ids_rule(("id",), USER_SAMPLE),
    _keys_rule("id"),
)

RULES = {"activities": ACTIVITY_RULES, "cpd_entries": CPD_ENTRY_RULES, "users": USER_RULES}
