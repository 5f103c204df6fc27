"""What a staged LinkedIn report must satisfy before it is loaded: its vocabulary columns hold only
values lib/vocabulary.py knows, and its natural key is present and unique. Each rule is one blocking
check; the table assets run the same rules again as their last guard."""

from learning_platform.lib import vocabulary
from learning_platform.lib.linkedin_learning.records import Aggregation
from learning_platform.lib.validation import Rule, keys_rule, vocabulary_rule


def rules(aggregation: Aggregation) -> tuple[Rule, ...]:
    """The rules of one aggregation's staged activity rows."""
    # Samples show the row's keys and value: LinkedIn activity rows carry no e-mail or name.
    samples = [*aggregation.key_columns, "engagement_value"]

    def known(check_name, column, list_name, label, also_allowed=frozenset()) -> Rule:
        return vocabulary_rule(
            check_name,
            column,
            list_name,
            label=label,
            sample_columns=samples,
            also_allowed=also_allowed,
            description=f"Every {label} is one lib/vocabulary.py knows.",
        )

    return (
        known(
            "engagement_type_known",
            "engagement_type",
            "LINKEDIN_ENGAGEMENT_TYPES",
            "engagementType",
        ),
        known(
            "engagement_qualifier_known",
            "engagement_qualifier",
            "LINKEDIN_ENGAGEMENT_QUALIFIERS",
            "engagementMetricQualifier",
        ),
        known(
            "asset_type_known",
            "asset_type",
            "LINKEDIN_ASSET_TYPES",
            "assetType",
            also_allowed=frozenset({vocabulary.NO_ASSET_TYPE}),
        ),
        keys_rule(
            aggregation.key_columns,
            f"Natural key ({', '.join(aggregation.key_columns)}) present on every row and unique.",
        ),
    )
