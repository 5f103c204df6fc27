"""What the catalog says of every asset besides its data: the team that owns it, its tags (source,
layer, and `pii` where it holds e-mails or names) and a code version that changes with the code
that decides its contents. Owners are set here and nowhere else."""

import hashlib
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

import pyarrow as pa
import sqlalchemy as sa

from learning_platform.lib.personal_data import schema_is_personal, table_is_personal

# The team that answers for each source's assets, and for the reporting layer's.
OWNERS = {
    "linkedin_learning": "team:learning-data",
    "thrive": "team:learning-data",
    "thought_industries": "team:learning-data",
    "reporting": "team:reporting",
}

# Layers: a partition as pulled (Parquet in the staging area), a warehouse table, a dbt model.
STAGED, TABLE, MART, INTERMEDIATE = "staged", "table", "mart", "intermediate"
# The tag of an asset that holds learners' e-mails or names (a label: no value).
PII = "pii"


def owners(source: str) -> list[str]:
    return [OWNERS[source]]


def tags(source: str, layer: str, *, personal: bool) -> dict[str, str]:
    return {"source": source, "layer": layer} | ({PII: ""} if personal else {})


def staged_tags(source: str, parts: Iterable[pa.Schema]) -> dict[str, str]:
    """A staged asset's tags: `pii` when a file it stages has a column marked personal."""
    return tags(source, STAGED, personal=any(schema_is_personal(schema) for schema in parts))


def table_tags(source: str, tables: Iterable[sa.Table], layer: str = TABLE) -> dict[str, str]:
    """A table asset's tags: `pii` when a table it writes has a column marked personal."""
    return tags(source, layer, personal=any(table_is_personal(table) for table in tables))


def code_version(*code: ModuleType | Path) -> str:
    """A digest of the modules (or SQL files) that decide an asset's contents: it changes when
    they do, so the UI's "code version changed" means the asset's logic did."""
    digest = hashlib.sha256()
    for item in code:
        path = Path(item.__file__) if isinstance(item, ModuleType) else item
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
