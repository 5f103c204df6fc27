"""The marts: the dbt project's models and seed as Dagster assets, its tests as asset checks
(those of severity error blocking), lineage from the source tables and the directory, columns and
their lineage in the UI. Every build runs `dbt build` on the selected models."""

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliInvocation,
    DbtProject,
    dbt_assets,
)
from dagster_dbt.core.dbt_event_iterator import DbtEventIterator

from learning_platform.defs.reporting.automation import (
    GROUP,
    build_while_missing_or_changed,
    refresh_after_inputs,
    run_with_its_model,
)
from learning_platform.defs.reporting.dbt_project import (
    dbt_cli,
    ensure_prepared,
    invocation_target,
    reporting_dbt,
    write_canonical_activities,
)
from learning_platform.defs.reporting.freshness import mart_freshness
from learning_platform.defs.reporting.previews import personal_columns, with_preview
from learning_platform.defs.shared import catalog
from learning_platform.defs.shared.resources import PostgresWarehouse
from learning_platform.defs.shared.retries import WAREHOUSE_RETRY_POLICY
from learning_platform.lib import vocabulary
from learning_platform.lib.warehouse import changes

ensure_prepared()

# A run with this tag rebuilds the marts whole (`dbt build --full-refresh`): after a change of a
# mart's columns that dbt cannot apply in place (a column removed or retyped).
FULL_REFRESH_TAG = "learning_platform/full_refresh"


class ReportingTranslator(DagsterDbtTranslator):
    """The marts keep the asset keys of the platform (`reporting/<name>`), in the reporting group,
    refreshed by the same automation as the directory."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed"):
            # reporting/<mart>, reporting_intermediate/<model>: where each is in the warehouse.
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)  # a source: its meta.dagster.asset_key

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str:
        return GROUP

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str] | None:
        if dbt_resource_props["resource_type"] in ("model", "seed"):
            return catalog.owners(GROUP)
        return super().get_owners(dbt_resource_props)  # a source: its loading asset's

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        """The project's own dbt tags, and the platform's: a model in the schema reporting teams
        query is a mart, one elsewhere an intermediate; `pii` if a column's meta says so (a mart
        never should: DESIGN.md §5)."""
        tags = dict(super().get_tags(dbt_resource_props))
        if dbt_resource_props["resource_type"] not in ("model", "seed"):
            return tags
        layer = (
            catalog.MART if dbt_resource_props["schema"] == "reporting" else catalog.INTERMEDIATE
        )
        personal = bool(personal_columns(dbt_resource_props))
        return tags | catalog.tags(GROUP, layer, personal=personal)

    def get_automation_condition(self, dbt_resource_props: Mapping[str, Any]):
        if dbt_resource_props["resource_type"] == "seed":
            return build_while_missing_or_changed
        return refresh_after_inputs

    def get_asset_spec(self, manifest, unique_id, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if unique_id.startswith("model."):  # the marts and their intermediates (freshness.py)
            return spec.replace_attributes(freshness_policy=mart_freshness)
        return spec

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        return dg.AssetCheckSpec(
            name=spec.name,
            asset=spec.asset_key,
            description=spec.description,
            additional_deps=spec.additional_deps,
            metadata=spec.metadata,
            blocking=spec.blocking,
            automation_condition=run_with_its_model,
        )

    def get_code_version(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            # The seed is written from lib/vocabulary.py: its content is its code.
            content = repr(sorted(vocabulary.canonical_activities()))
            return hashlib.sha256(content.encode()).hexdigest()[:16]
        return super().get_code_version(dbt_resource_props)


TRANSLATOR = ReportingTranslator(
    # The source tables of one loading asset (LinkedIn's activity and contents, the directory's
    # two tables) map to that one asset.
    settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True)
)


def _note_vocabulary_change(warehouse: PostgresWarehouse) -> None:
    """A canonical activity changed since the seed was last loaded: every event may show it, so
    the incremental marts recompute everything once."""
    wanted = set(vocabulary.canonical_activities())
    with warehouse.transaction() as cursor:
        cursor.execute("SELECT to_regclass('reporting.canonical_activities') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return  # never loaded: the marts' first build computes everything anyway
        cursor.execute(
            "SELECT source, source_activity, activity FROM reporting.canonical_activities"
        )
        if set(cursor.fetchall()) != wanted:
            changes.everything_changed(cursor, "the canonical activities changed")


def build_reporting_marts(project: DbtProject) -> dg.AssetsDefinition:
    """Every model, seed and test of a dbt project as assets and checks: adding a mart to the
    project (a .sql file and its .yml entry) adds an asset here, with no Python."""

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=TRANSLATOR,
        name="reporting_marts",
        retry_policy=WAREHOUSE_RETRY_POLICY,
    )
    def reporting_marts(context: dg.AssetExecutionContext, warehouse: PostgresWarehouse):
        write_canonical_activities(project)
        _note_vocabulary_change(warehouse)
        command = ["build"]
        if context.run.tags.get(FULL_REFRESH_TAG) == "true":
            command.append("--full-refresh")
        with warehouse.dbt_environment(), invocation_target(project) as target:
            invocation = dbt_cli(project).cli(command, context=context, target_path=target)
            yield from _with_columns_and_preview(invocation, warehouse)

    return reporting_marts


def _with_columns_and_preview(
    invocation: DbtCliInvocation, warehouse: PostgresWarehouse
) -> Iterator:
    """dbt's events, each model's with its columns and their lineage (dagster-dbt's
    fetch_column_metadata) and a preview of its first rows (previews.py), one event at a time.
    Chained on the whole stream, fetch_column_metadata waits for dbt's next event in a loop that
    never sleeps (dagster._core.utils.imap, through 1.13.29): a core kept busy for the whole
    build, on a two-core machine half of what dbt and PostgreSQL have."""
    for event in invocation.stream():
        if isinstance(event, dg.Output | dg.AssetMaterialization):
            for described in DbtEventIterator(iter([event]), invocation).fetch_column_metadata():
                yield with_preview(described, invocation.manifest, warehouse)
        else:
            yield event


reporting_marts = build_reporting_marts(reporting_dbt)
