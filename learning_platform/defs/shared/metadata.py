"""What the assets tell the UI: table names and column schemas, row counts of ranged runs, and how a
run's partitions are named in messages."""

from collections.abc import Sequence

import dagster as dg
import sqlalchemy as sa

from learning_platform.lib.windows import from_epoch_ms


def row_count(rows: int, partitions: int) -> dict:
    """A ranged run's metadata is recorded on each of its partitions, so a per-partition row count
    is only claimed when the run had one partition; the assets' per-day metadata breaks a range
    down."""
    if partitions == 1:
        return {"dagster/row_count": rows}
    return {"rows_in_run": rows, "partitions_in_run": partitions}


def partitions_label(keys: Sequence[str]) -> str:
    return f"partition {keys[0]}" if len(keys) == 1 else f"partitions {keys[0]}..{keys[-1]}"


def iso_from_epoch_ms(epoch_ms: int | None) -> str | None:
    return None if epoch_ms is None else from_epoch_ms(epoch_ms).isoformat()


def table_metadata(table: sa.Table) -> dict:
    """What the UI shows for an asset backed by a warehouse table: its name and its columns."""
    return {
        "dagster/table_name": table.fullname,
        "dagster/column_schema": dg.TableSchema(
            columns=[
                dg.TableColumn(
                    name=column.name,
                    type=str(column.type).lower(),
                    description=column.comment,
                    constraints=dg.TableColumnConstraints(nullable=column.nullable),
                )
                for column in table.columns
            ]
        ),
    }
