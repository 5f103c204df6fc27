"""The benchmark: what it measures must be the whole process tree's, and the command must run."""

import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from learning_platform import cli, settings
from learning_platform.lib.warehouse.embedded import stop_embedded
from learning_platform_bench.measuring import measure

HOLD_100_MB_IN_A_GRANDCHILD = """
import subprocess, sys
child = "import time; block = bytearray(100 * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(1.5)"
subprocess.run([sys.executable, "-c", child], check=True)
print('{"rows": 7}')
"""


def test_measure_counts_the_memory_of_the_whole_process_tree_and_reads_the_report():
    """A loader that does its work in a child process must not look small."""
    measurement = measure([sys.executable, "-c", HOLD_100_MB_IN_A_GRANDCHILD], env=None)
    assert measurement.peak_rss_bytes >= 100 * 2**20
    assert measurement.report == {"rows": 7}


@pytest.fixture
def home(monkeypatch) -> Iterator[Path]:
    """A LEARNING_PLATFORM_HOME of its own; the embedded PostgreSQL the bench starts under it is
    stopped afterwards. Not under pytest's tmp_path: as root, pgserver runs the server as its own
    system user, which must be able to reach its data folder."""
    folder = Path(tempfile.mkdtemp(prefix="learning-platform-test-bench-"))
    monkeypatch.setenv(settings.HOME, str(folder))
    try:
        yield folder
    finally:
        stop_embedded(folder / "bench")
        shutil.rmtree(folder, ignore_errors=True)


def test_the_bench_command_backfills_days_of_every_linkedin_stream(home, capsys):
    """`learning-platform bench --days 2 --rows 0` as a user runs it, on an organisation of five
    learners. Nothing ran the backfill, so it broke twice unnoticed: Dagster refused the global
    asset job a date range, then the bench could not empty the tables the loader role may not
    truncate."""
    options = ["--days", "2", "--rows", "0", "--learners", "5", "--repeat", "1"]

    assert cli.main(["bench", *options]) == 0

    output = capsys.readouterr().out
    backfilled = re.search(r"backfill of 2 days: \d+ s wall .*, ([\d,]+) rows, ", output)
    assert backfilled, output
    assert int(backfilled[1].replace(",", "")) > 0
    assert "Dagster and process overhead" in output


def test_the_bench_command_compares_a_day_with_the_yardstick_on_loopback_and_with_latency(
    home, capsys
):
    """`learning-platform bench --latency-ms` on a small day: the baseline, the yardstick and the
    platform with its pages in flight and one at a time, each loading every row of the day (the
    bench fails if one loads a row more or less), on loopback and then with the latency. Four
    pages, the third of them short: the yardstick fills its gap."""
    options = ["--rows", "7000", "--repeat", "1", "--latency-ms", "1", "--in-flight", "2"]

    assert cli.main(["bench", *options]) == 0

    output = capsys.readouterr().out
    for case in ("on loopback", "at 1 ms per report call"):
        ratios = re.search(
            rf"  {case} +(\d+\.\d+) of the yardstick's, (\d+\.\d+)x the sequential platform's",
            output,
        )
        assert ratios, output
    for loader in ("baseline (1 in flight)", "yardstick (2 in flight)", "platform (2 in flight)"):
        # rows, calls, wall s: a line in each case's table
        table_lines = re.findall(rf"^{re.escape(loader)} +[\d,]+ +\d+ +\d+\.\d\d ", output, re.M)
        assert len(table_lines) == 2, output
    # the memory figure: the run process's peak above itself when ready for its steps
    working_sets = re.findall(
        r"then [\d,]+ MB idle; its steps' working set peaked ([\d,]+) MB above that", output
    )
    assert len(working_sets) == 2 and all(int(mb.replace(",", "")) > 0 for mb in working_sets)


def test_the_backfills_busy_time_counts_steps_of_parallel_runs_once():
    from learning_platform_bench.orchestrator import _busy_seconds

    # Two runs' steps overlapping from 2 to 3, then a gap from 6 to 7 when nothing ran.
    assert _busy_seconds([[0, 3], [2, 6], [7, 8], [7.5, 7.75]]) == 7
    assert _busy_seconds([]) == 0
