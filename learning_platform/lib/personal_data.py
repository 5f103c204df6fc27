"""Which columns hold personal data (a learner's e-mail or name): marked where each column is
declared, in the staged Arrow schemas and the warehouse tables, so that what holds them is derived,
never listed by hand."""

from __future__ import annotations

import pyarrow as pa
import sqlalchemy as sa

# The mark: `info={"pii": True}` on a table column, this metadata on an Arrow field.
_FIELD_MARK = {b"pii": b"true"}


def personal_field(name: str, type_: pa.DataType = pa.string()) -> pa.Field:
    """A staged column that holds an e-mail or a name."""
    return pa.field(name, type_, metadata=_FIELD_MARK)


def is_personal_field(field: pa.Field) -> bool:
    return (field.metadata or {}).get(b"pii") == b"true"


def is_personal_column(column: sa.Column) -> bool:
    return bool(column.info.get("pii"))


def schema_is_personal(schema: pa.Schema) -> bool:
    return any(is_personal_field(field) for field in schema)


def table_is_personal(table: sa.Table) -> bool:
    return any(is_personal_column(column) for column in table.columns)
