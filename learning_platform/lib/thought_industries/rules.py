"""What a staged Thought Industries export must satisfy before it is loaded: Type known, (Type,
Source) a documented pair, every part of the natural key present. Each rule is one blocking check;
the table asset runs the same rules again as its last guard."""

from collections.abc import Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from learning_platform.lib import vocabulary
from learning_platform.lib.validation import (
    Finding,
    Rows,
    Rule,
    known_values,
    no_row_where,
    vocabulary_rule,
)

# Samples name the line and the values: never the learner's e-mail.
SAMPLE_COLUMNS = ["line", "action_type", "action_source", "action_source_raw"]
REQUIRED_KEY_PARTS = [
    "learner_email",
    "content_title",
    "action_type",
    "action_source",
    "occurred_at",
]


def _with_type_source(rows: Rows) -> Rows:
    """The staged rows with one more column, `type_source` = "type/source"."""

    def read(columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
        base = list(
            dict.fromkeys(
                [c for c in columns if c != "type_source"] + ["action_type", "action_source"]
            )
        )
        for batch in rows(base):
            pair = pc.binary_join_element_wise(
                batch.column("action_type"), batch.column("action_source"), "/"
            )
            table = pa.Table.from_batches([batch]).append_column("type_source", pair)
            yield from table.select(list(columns)).to_batches()

    return read


def _keys_present(rows: Rows) -> Finding:
    def is_bad(batch: pa.RecordBatch) -> pa.Array:
        missing = pc.is_null(batch.column(0))
        for column in batch.columns[1:]:
            missing = pc.or_(missing, pc.is_null(column))
        return missing

    return no_row_where(
        rows,
        REQUIRED_KEY_PARTS,
        is_bad,
        sample_columns=["line", "action_type", "action_source", "occurred_at"],
        problem="lack a part of the natural key (Email, Content Title, Type, Source or Timestamp)",
        passed="every row has its Email, Content Title, Type, Source and Timestamp",
    )


RULES = (
    vocabulary_rule(
        "action_type_known",
        "action_type",
        "THOUGHT_INDUSTRIES_ACTION_TYPES",
        label="Type",
        sample_columns=SAMPLE_COLUMNS,
        description="Type is one of the four documented action types.",
    ),
    Rule(
        "type_source_documented",
        "(Type, Source) is a documented pair: the same Source means different things under different Types.",
        lambda rows: known_values(
            _with_type_source(rows),
            "type_source",
            vocabulary.thought_industries_type_source_pairs(),
            sample_columns=SAMPLE_COLUMNS,
            label="Type/Source pair",
        ),
    ),
    Rule(
        "keys_present",
        "Every part of the natural key is present: Email, Content Title, Type, Source, Timestamp.",
        _keys_present,
    ),
)
