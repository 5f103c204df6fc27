"""What a mart's materialization shows of its rows: the first few, by its primary key, as a
markdown table, without a column that holds an e-mail or a name.

A column is personal when marts.yml says so (`meta: {pii: true}`, the mark the catalog tags a
model `pii` by); no mart should have one (DESIGN.md §5), and the table hides any e-mail address a
value carries all the same. The learner directory is never previewed: it is restricted.
"""

from collections.abc import Mapping
from typing import Any

import dagster as dg
import psycopg
from psycopg import sql

from learning_platform.defs.shared import catalog
from learning_platform.defs.shared.resources import PostgresWarehouse
from learning_platform.lib import markdown

PREVIEW_ROWS = 10
PREVIEW = "preview"  # the metadata entry


def personal_columns(node: Mapping[str, Any]) -> set[str]:
    """The columns a dbt model's yml marks personal (`meta`, or `config.meta` as dbt 1.10 has it)."""
    return {
        name
        for name, column in node.get("columns", {}).items()
        if column.get("meta", {}).get(catalog.PII)
        or column.get("config", {}).get("meta", {}).get(catalog.PII)
    }


def preview_order(node: Mapping[str, Any]) -> list[str]:
    """The columns the preview is ordered by: the model's primary key (an index, so ten rows cost
    ten rows), else every declared column; none when the yml declares none."""
    for constraint in node.get("constraints", []):
        if constraint.get("type") == "primary_key":
            return list(constraint["columns"])
    keys = [
        name
        for name, column in node.get("columns", {}).items()
        if any(c.get("type") == "primary_key" for c in column.get("constraints", []))
    ]
    return keys or list(node.get("columns", {}))


def preview_markdown(cursor: psycopg.Cursor, node: Mapping[str, Any]) -> str:
    """The first rows of a model's table, in one query."""
    relation = sql.Identifier(node["schema"], node.get("alias") or node["name"])
    order = preview_order(node)
    order_by = sql.SQL(", ").join(map(sql.Identifier, order)) if order else sql.SQL("1")
    cursor.execute(
        sql.SQL("SELECT * FROM {} ORDER BY {} LIMIT {}").format(
            relation, order_by, sql.Literal(PREVIEW_ROWS)
        )
    )
    names = [column.name for column in cursor.description]
    left_out = personal_columns(node)
    shown = [index for index, name in enumerate(names) if name not in left_out]
    rows = cursor.fetchall()
    text = f"The first {len(rows)} rows by {', '.join(order) or names[0]}"
    if left_out & set(names):
        text += f", without {', '.join(sorted(left_out & set(names)))} (personal)"
    return (
        text
        + ":\n\n"
        + markdown.table([names[i] for i in shown], [[row[i] for i in shown] for row in rows])
    )


def with_preview(event: Any, manifest: Mapping[str, Any], warehouse: PostgresWarehouse) -> Any:
    """A dbt model's materialization with its preview; any other event as it is. A preview that
    cannot be read is logged and left out: the model was built, and that is what the event says."""
    if not isinstance(event, dg.Output | dg.AssetMaterialization):
        return event
    unique_id = event.metadata.get("unique_id")
    unique_id = getattr(unique_id, "value", unique_id)
    node = manifest.get("nodes", {}).get(unique_id)
    if node is None or node["resource_type"] != "model":
        return event
    try:
        with warehouse.transaction() as cursor:  # its own: no lock kept while dbt builds on
            preview = preview_markdown(cursor, node)
    except psycopg.Error as error:
        dg.get_dagster_logger().warning(
            f"no preview of {node['schema']}.{node['name']}: {type(error).__name__}"
        )
        return event
    return event.with_metadata({**event.metadata, PREVIEW: dg.MetadataValue.md(preview)})
