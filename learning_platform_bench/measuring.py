"""Timing a worker process from the outside, with the peak memory of its whole process tree."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, field

import psutil

SAMPLE_SECONDS = 0.1  # peak memory moves slowly; sampling faster would steal a core from the runs


@dataclass
class Measurement:
    wall_seconds: float
    peak_rss_bytes: int
    report: dict = field(default_factory=dict)


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            pass  # ended between the listing and the reading
    return total


def measure(command: list[str], env: dict[str, str], timeout: float = 3600) -> Measurement:
    """Run a worker; its wall time, and the peak of its process tree's summed RSS, sampled."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    process = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        if time.perf_counter() - started > timeout:
            child.kill()
            raise TimeoutError(f"{' '.join(command)} ran over {timeout:.0f} s")
        try:
            peak = max(peak, _tree_rss(process))
        except psutil.NoSuchProcess:
            break
        time.sleep(SAMPLE_SECONDS)
    output = child.communicate()[0]
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command[3:])} failed with exit code {child.returncode}")
    lines = [line for line in output.splitlines() if line.startswith("{")]
    return Measurement(wall, peak, json.loads(lines[-1]) if lines else {})
