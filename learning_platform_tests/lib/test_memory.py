"""What a run process holds: Arrow on jemalloc, and no pandas unless something asks for it."""

import os
import subprocess
import sys
import textwrap

import pytest

RUN = textwrap.dedent(
    """
    import sys

    import learning_platform  # before pyarrow, as in a run process
    import pyarrow as pa
    import pyarrow.parquet as pq

    from learning_platform.lib.linkedin_learning.records import LEARNER_CONTENT_ACTIVITY
    from learning_platform.lib.memory import convert_without_pandas
    from learning_platform.lib.validation import keys_present_and_unique
    from learning_platform_tests.linkedin_learning.test_records import (
        WINDOW, activity_batch, element, metric,
    )

    print(pa.default_memory_pool().backend_name)
    convert_without_pandas()
    batch = activity_batch(
        [element(metric("SECONDS_VIEWED", 2505), metric("PROGRESS_PERCENTAGE", 45)),
         element(metric("SECONDS_VIEWED", 60, asset_type="VIDEO"), email="joe@corp.com")],
        WINDOW,
        LEARNER_CONTENT_ACTIVITY,
    )
    pq.write_table(pa.Table.from_batches([batch]), sys.argv[1])
    staged = pq.ParquetFile(sys.argv[1]).read()  # as the staging area reads: no pyarrow.dataset
    repeated = pa.concat_tables([staged, staged.slice(0, 1)])
    keys = ["window_start", "learner_urn", "content_urn", "engagement_type", "asset_type"]
    print(keys_present_and_unique(staged, keys).passed, keys_present_and_unique(repeated, keys).passed)
    print("pandas" in sys.modules)
    print(len(staged.to_pandas()), "pandas" in sys.modules)
    """
)


def run(tmp_path, **environment) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(tmp_path / "day.parquet")],
        env={**env, **environment},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.split("\n")


@pytest.mark.skipif(sys.platform != "linux", reason="jemalloc is chosen on Linux only")
def test_a_run_stages_checks_and_reads_a_day_with_arrow_on_jemalloc_and_without_pandas(tmp_path):
    pool, findings, pandas_loaded, asked = run(tmp_path)[:4]

    assert pool == "jemalloc"
    assert findings == "True False"  # the key check still finds the repeated row
    assert pandas_loaded == "False"
    assert asked == "3 True"  # and pandas still comes when something asks for it


def test_the_deployment_chooses_arrow_s_allocator_over_the_platform(tmp_path):
    assert run(tmp_path, ARROW_DEFAULT_MEMORY_POOL="system")[0] == "system"
