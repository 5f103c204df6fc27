"""What the catalog says of every asset: its owner, its source and layer tags, `pii` on exactly
the assets that hold e-mails or names, a code version, and the staged assets' column schemas."""

import dagster as dg
import pytest

from learning_platform.defs.shared import catalog
from learning_platform.lib.linkedin_learning.records import LEARNER_SCHEMA
from learning_platform.lib.thrive.records import USER_SCHEMA

# Checked by hand against the table declarations and the staged schemas: every asset that stages
# or writes a learner's e-mail or name. (LinkedIn's learner details come with INDIVIDUAL reports.)
HOLDS_EMAILS_OR_NAMES = {
    "linkedin_learning/learner_activity_staged",
    "linkedin_learning/learner_activity",
    "linkedin_learning/learner_content_activity_staged",
    "linkedin_learning/learner_content_activity",
    "thrive/users_staged",
    "thrive/users",
    "thought_industries/content_actions_staged",
    "thought_industries/content_actions",
    "directory/learners",
}


@pytest.fixture(scope="module")
def assets() -> dict[str, dg.AssetSpec]:
    """Every asset of the code locations, by key, as the UI shows them (no environment needed)."""
    from learning_platform.definitions import PLATFORM_FOLDERS, load

    graph = load(PLATFORM_FOLDERS).resolve_asset_graph()
    return {
        key.to_user_string(): graph.get(key)
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable
    }


def layer_of(key: str) -> str:
    if key.endswith("_staged"):
        return catalog.STAGED
    if key.startswith("reporting/"):
        return catalog.MART
    if key.startswith("reporting_intermediate/"):
        return catalog.INTERMEDIATE
    return catalog.TABLE  # a source's table, or the directory


def pii_columns(schema: dg.TableSchema) -> set[str]:
    return {column.name for column in schema.columns if catalog.PII in column.tags}


def test_every_asset_has_its_sources_owner_and_source_and_layer_tags(assets):
    assert len(assets) > 20
    for key, node in assets.items():
        source = node.tags["source"]
        assert node.owners == [catalog.OWNERS[source]], key
        if node.group_name == "reporting":
            assert source == "reporting", key
        else:
            assert source == node.group_name == key.split("/")[0], key
        assert node.tags["layer"] == layer_of(key), key


def test_exactly_the_assets_that_hold_emails_or_names_are_tagged_pii(assets):
    """The tag is derived from the columns marked personal (table `info`, Arrow field metadata):
    this pins both the marks and the derivation."""
    tagged = {key for key, node in assets.items() if catalog.PII in node.tags}

    assert tagged == HOLDS_EMAILS_OR_NAMES


def test_every_asset_has_a_code_version(assets):
    for key, node in assets.items():
        assert node.code_version, key
    # One factory, one code: the staged assets of a source share the code that makes their rows.
    staged = {
        assets[f"linkedin_learning/{stream}_staged"].code_version
        for stream in ("account_activity", "learner_activity")
    }
    assert len(staged) == 1
    assert staged != {assets["linkedin_learning/account_activity"].code_version}


def test_a_code_version_changes_when_a_file_it_is_made_of_does(tmp_path):
    rules, query = tmp_path / "rules.py", tmp_path / "query.sql"
    rules.write_text("KNOWN = {'viewed'}\n")
    query.write_text("SELECT 1\n")
    before = catalog.code_version(rules, query)

    assert catalog.code_version(rules, query) == before
    rules.write_text("KNOWN = {'viewed', 'completed'}\n")
    assert catalog.code_version(rules, query) != before


def test_staged_assets_show_the_columns_of_their_arrow_schemas_with_personal_ones_tagged(assets):
    for key, node in assets.items():
        if node.tags["layer"] == catalog.STAGED:
            assert isinstance(node.metadata["dagster/column_schema"], dg.TableSchema), key

    users = assets["thrive/users_staged"].metadata["dagster/column_schema"]
    assert [column.name for column in users.columns] == USER_SCHEMA.names
    assert pii_columns(users) == {"email", "first_name", "last_name"}
    learner_staged = assets["linkedin_learning/learner_activity_staged"].metadata
    assert "learner_urn" in {c.name for c in learner_staged["dagster/column_schema"].columns}
    learners = learner_staged["learners_column_schema"]
    assert [column.name for column in learners.columns] == LEARNER_SCHEMA.names
    assert pii_columns(learners) == {"name", "email"}


def test_warehouse_tables_tag_their_email_and_name_columns(assets):
    directory = assets["directory/learners"].metadata["dagster/column_schema"]
    assert pii_columns(directory) == {"email", "names"}
    content_actions = assets["thought_industries/content_actions"].metadata
    assert pii_columns(content_actions["dagster/column_schema"]) == {"learner_email"}
    # The activity has a learner urn, no e-mail; the learners table it also writes has them.
    learner_activity = assets["linkedin_learning/learner_activity"].metadata
    assert pii_columns(learner_activity["dagster/column_schema"]) == set()
    assert learner_activity["also_writes"] == ["linkedin_learning.learners"]
