"""The warehouse tables as SQLAlchemy Core metadata, one module per schema: what the Alembic
migrations build (the reporting marts, in `reporting`, are rebuilt by their assets instead).

Names are a contract (DESIGN.md §5): reporting teams and operators query them directly. Every table
has a primary key on its natural key, so a duplicate fails loudly instead of doubling a report.
"""

from learning_platform.lib.warehouse.tables import linkedin_learning, thought_industries, thrive
from learning_platform.lib.warehouse.tables.declarations import metadata

# The schemas the migrations own; anything else in the database is left alone.
SCHEMAS = (linkedin_learning.SCHEMA, thrive.SCHEMA, thought_industries.SCHEMA)

__all__ = ["SCHEMAS", "linkedin_learning", "metadata", "thought_industries", "thrive"]
