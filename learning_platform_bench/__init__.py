"""`learning-platform bench`: the platform's LinkedIn path against a minimal baseline, side by side.

Everything runs here, on loopback: a sandbox process serves a synthetic day (its pages rendered
once and cached, so the sandbox costs a socket write per page), an embedded PostgreSQL under
`$LEARNING_PLATFORM_HOME/bench` takes the rows, and each measured load is a fresh process whose
wall time and peak memory (the whole process tree, sampled) are taken from the outside.

`orchestrator.run` runs it; `measuring` times a process; `workers` are the measured processes and
`baseline` the yardstick. Only the command's options live here, free of psutil (the `bench`
dependency group), so `learning-platform` builds its parser without it.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `learning-platform bench`."""
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="activity rows in the single day (0: skip)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, for medians")
    parser.add_argument(
        "--days", type=int, default=0, help="also backfill this many days of every stream"
    )
    parser.add_argument("--learners", type=int, default=5000, help="the backfill's organisation")
    parser.add_argument(
        "--pairs-per-day",
        type=int,
        default=0,
        help="the backfill's learner-content engagements a day (default: one per learner)",
    )
    parser.add_argument(
        "--reporting",
        action="store_true",
        help="after the backfill, time a full build of the reporting layer, then its refresh "
        "after one day is pulled again",
    )
    parser.add_argument(
        "--reuse-history",
        action="store_true",
        help="with --reporting: measure over the history the bench's warehouse already holds "
        "(from an earlier --days run) instead of backfilling it again",
    )
