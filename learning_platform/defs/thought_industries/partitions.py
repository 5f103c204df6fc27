"""Thought Industries partitions: one per dropped file, added by the drop sensor."""

import dagster as dg

# The key is the file's path under the drop location. Partitions are never deleted
# automatically: a file that disappears keeps its partition and its loaded rows.
drop_file_partitions = dg.DynamicPartitionsDefinition(name="thought_industries_drop_files")
