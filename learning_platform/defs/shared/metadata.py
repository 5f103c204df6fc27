"""What the assets tell the UI: table names and column schemas, each partition's own figures in a
ranged run, and how a run's partitions are named in messages."""

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg
import pyarrow as pa
import sqlalchemy as sa

from learning_platform.defs.shared.catalog import PII
from learning_platform.lib.personal_data import is_personal_column, is_personal_field
from learning_platform.lib.windows import from_epoch_ms

# A column that holds an e-mail or a name, as the column schema shows it.
PERSONAL_COLUMN_TAGS = {PII: ""}


def record_per_partition(
    context: dg.AssetExecutionContext, per_partition: Mapping[str, Mapping[str, Any]]
) -> None:
    """Each partition's own figures (its `dagster/row_count`, pages, ...) on its own
    materialization. Dagster records a ranged run's returned metadata on every partition of the
    run; these are added per partition and win over a returned entry of the same name."""
    for partition_key, metadata in per_partition.items():
        context.add_asset_metadata(metadata, partition_key=partition_key)


def run_size(partition_keys: Sequence[str]) -> dict:
    """What the run-wide figures on a partition cover, when the run had more than that one."""
    return {"partitions_in_run": len(partition_keys)} if len(partition_keys) > 1 else {}


def partitions_label(keys: Sequence[str]) -> str:
    return f"partition {keys[0]}" if len(keys) == 1 else f"partitions {keys[0]}..{keys[-1]}"


def iso_from_epoch_ms(epoch_ms: int | None) -> str | None:
    return None if epoch_ms is None else from_epoch_ms(epoch_ms).isoformat()


def table_metadata(table: sa.Table, *others: sa.Table) -> dict:
    """What the UI shows for an asset backed by a warehouse table: its name and its columns (those
    holding e-mails or names tagged `pii`), and the other tables its runs write, if any."""
    metadata = {
        "dagster/table_name": table.fullname,
        "dagster/column_schema": dg.TableSchema(
            columns=[
                dg.TableColumn(
                    name=column.name,
                    type=str(column.type).lower(),
                    description=column.comment,
                    constraints=dg.TableColumnConstraints(nullable=column.nullable),
                    tags=PERSONAL_COLUMN_TAGS if is_personal_column(column) else None,
                )
                for column in table.columns
            ]
        ),
    }
    if others:
        metadata["also_writes"] = [other.fullname for other in others]
    return metadata


def staged_metadata(parts: Mapping[str, pa.Schema]) -> dict:
    """What the UI shows for a staged asset: the columns of its staged file (the first part), and
    those of the other files each partition stages (details, rejected lines) under their names."""
    (_, checked), *others = parts.items()
    return {
        "dagster/column_schema": arrow_column_schema(checked),
        **{f"{part}_column_schema": arrow_column_schema(schema) for part, schema in others},
    }


def arrow_column_schema(schema: pa.Schema) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=field.name,
                type=str(field.type),
                constraints=dg.TableColumnConstraints(nullable=field.nullable),
                tags=PERSONAL_COLUMN_TAGS if is_personal_field(field) else None,
            )
            for field in schema
        ]
    )
