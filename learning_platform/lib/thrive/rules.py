"""What the staged Thrive streams must satisfy before they are loaded: each rule is one blocking
check, and the table assets run the same rules again as their last guard."""

import pyarrow.compute as pc

from learning_platform.lib.thrive.records import ID_PATTERN
from learning_platform.lib.validation import (
    Rule,
    all_of,
    keys_rule,
    matches_pattern,
    no_row_where,
    vocabulary_rule,
)

# Samples show ids, verbs, times and numbers: never an e-mail, a name or free text.
ACTIVITY_SAMPLE = ["id", "user_id", "type", "occurred_at"]
CPD_SAMPLE = ["log_entry_id", "user_id", "entry_date", "duration_minutes_as_received"]
USER_SAMPLE = ["id", "role", "status"]


def _ids_rule(columns: tuple[str, ...], samples: list[str]) -> Rule:
    return Rule(
        "ids_well_formed",
        f"{', '.join(columns)}: Thrive ids, 24 hexadecimal digits.",
        lambda rows: all_of(
            [
                matches_pattern(rows, column, ID_PATTERN, sample_columns=samples)
                for column in columns
            ]
        ),
    )


def _keys_rule(key: str) -> Rule:
    return keys_rule([key], f"{key} present on every row and unique.")


ACTIVITY_RULES = (
    vocabulary_rule(
        "type_known",
        "type",
        "THRIVE_ACTIVITY_TYPES",
        label="activity type",
        sample_columns=ACTIVITY_SAMPLE,
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
    vocabulary_rule(
        "role_known", "role", "THRIVE_USER_ROLES", label="user role", sample_columns=USER_SAMPLE
    ),
    vocabulary_rule(
        "status_known",
        "status",
        "THRIVE_USER_STATUSES",
        label="user status",
        sample_columns=USER_SAMPLE,
    ),
    _ids_rule(("id",), USER_SAMPLE),
    _keys_rule("id"),
)

RULES = {"activities": ACTIVITY_RULES, "cpd_entries": CPD_ENTRY_RULES, "users": USER_RULES}
