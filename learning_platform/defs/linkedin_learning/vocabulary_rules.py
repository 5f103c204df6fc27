"""Which staged LinkedIn columns hold a controlled vocabulary, checked before anything is loaded."""

from dataclasses import dataclass

from learning_platform.lib import vocabulary
from learning_platform.lib.linkedin_learning.records import Aggregation
from learning_platform.lib.validation import Finding, Rows, known_values


@dataclass(frozen=True)
class VocabularyRule:
    """A staged column whose values must all come from one list in `lib/vocabulary.py`."""

    check_name: str
    column: str
    vocabulary_list: str  # the name of the list in lib/vocabulary.py
    label: str
    also_allowed: frozenset[str] = frozenset()

    @property
    def allowed(self) -> frozenset[str]:
        # Looked up at check time, so the list in vocabulary.py is the one place to extend.
        return getattr(vocabulary, self.vocabulary_list) | self.also_allowed


RULES = (
    VocabularyRule(
        "engagement_type_known", "engagement_type", "LINKEDIN_ENGAGEMENT_TYPES", "engagementType"
    ),
    VocabularyRule(
        "engagement_qualifier_known",
        "engagement_qualifier",
        "LINKEDIN_ENGAGEMENT_QUALIFIERS",
        "engagementMetricQualifier",
    ),
    VocabularyRule(
        "asset_type_known",
        "asset_type",
        "LINKEDIN_ASSET_TYPES",
        "assetType",
        also_allowed=frozenset({vocabulary.NO_ASSET_TYPE}),
    ),
)


def check_vocabulary(rows: Rows, aggregation: Aggregation, rule: VocabularyRule) -> Finding:
    # Samples show the row's keys and value: LinkedIn activity rows carry no e-mail or name.
    return known_values(
        rows,
        rule.column,
        rule.allowed,
        sample_columns=[*aggregation.key_columns, "engagement_value"],
        label=rule.label,
    )
