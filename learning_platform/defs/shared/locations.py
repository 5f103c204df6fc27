"""The platform's two code locations, by the names workspace.yaml and deploy/ give them.

The sources (LinkedIn Learning, Thrive, Thought Industries and the erasure) and the reporting layer
are served apart so that a source's run never loads dbt: dagster-dbt imports dbt-core, about 2 s
and 100 MB in every run process that loads the definitions, for runs that never call it.
"""

SOURCES = "learning_platform"
REPORTING = "learning_platform_reporting"
