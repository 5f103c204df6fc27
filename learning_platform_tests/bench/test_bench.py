"""The benchmark's measuring: what it reports must be the whole process tree's, not a guess."""

import sys

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
