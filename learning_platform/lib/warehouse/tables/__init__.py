"""The warehouse tables as SQLAlchemy Core metadata, one module per schema: what the Alembic
migrations build. (The marts, in `reporting`, are the dbt project's: learning_platform_dbt/.)

Names are a contract (DESIGN.md §5): reporting teams and operators query them directly. Every table
has a primary key on its natural key, so a duplicate fails loudly instead of doubling a report.
"""

from learning_platform.lib.warehouse.tables import (
    directory,
    linkedin_learning,
    ops,
    thought_industries,
    thrive,
)
from learning_platform.lib.warehouse.tables.declarations import metadata

# The schemas the migrations own; anything else in the database is left alone.
SCHEMAS = (
    linkedin_learning.SCHEMA,
    thrive.SCHEMA,
    thought_industries.SCHEMA,
    directory.SCHEMA,
    ops.SCHEMA,
)

__all__ = [
    "SCHEMAS",
    "directory",
    "linkedin_learning",
    "metadata",
    "ops",
    "thought_industries",
    "thrive",
]
