"""Which staged LinkedIn columns hold a controlled vocabulary, checked before anything is loaded."""

from dataclasses import dataclass

import pyarrow as pa

from learning_platform.lib import vocabulary
from learning_platform.lib.linkedin_records import Aggregation
from learning_platform.lib.validation import Finding, known_values


@dataclass(frozen=True)
class VocabularyRule:
    check_name: str
    column: str
    allowed: frozenset[str]
    label: str


RULES = (
    VocabularyRule(
        "engagement_type_known",
        "engagement_type",
        vocabulary.LINKEDIN_ENGAGEMENT_TYPES,
        "engagementType",
    ),
    VocabularyRule(
        "engagement_qualifier_known",
        "engagement_qualifier",
        vocabulary.LINKEDIN_ENGAGEMENT_QUALIFIERS,
        "engagementMetricQualifier",
    ),
    VocabularyRule(
        "asset_type_known",
        "asset_type",
        vocabulary.LINKEDIN_ASSET_TYPES | {vocabulary.NO_ASSET_TYPE},
        "assetType",
    ),
)


def check_vocabulary(table: pa.Table, aggregation: Aggregation, rule: VocabularyRule) -> Finding:
    # Samples show the row's keys and value: LinkedIn activity rows carry no e-mail or name.
    return known_values(
        table,
        rule.column,
        rule.allowed,
        sample_columns=[*aggregation.key_columns, "engagement_value"],
        label=rule.label,
    )
