"""`learning-platform bench`: the platform's LinkedIn path against a minimal baseline, side by side.

Everything runs here, on loopback: a sandbox process serves a synthetic day (its pages rendered
once and cached, so the sandbox costs a socket write per page), an embedded PostgreSQL under
`$LEARNING_PLATFORM_HOME/bench` takes the rows, and each measured load is a fresh process whose
wall time and peak memory (the whole process tree, sampled) are taken from the outside.

`orchestrator.run` runs it; `measuring` times a process; `workers` are the measured processes;
`baseline` the minimal loaders the platform is compared with: the baseline (one page at a time)
and the yardstick (the same work with the platform's pages in flight). Only the command's options
live here, free of psutil (the `bench` dependency group), so `learning-platform` builds its parser
without it.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `learning-platform bench`."""
    parser.add_argument(
        "--rows",
        type=int,
        help="activity rows in the single day (default 1,000,000, or 200,000 with --latency-ms; "
        "0: skip the single day)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        help="runs of each loader of the single day, for medians (default 3, or 1 with "
        "--latency-ms)",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0,
        help="the sandbox answers every LinkedIn report call this late (calls in flight overlap, "
        "as at a vendor far away): the single day is measured on loopback, then with the latency "
        "(--latency-ms 300: a 200k-row day, one run of each loader, about 2 minutes; about 6 "
        "with --repeat 3); the backfill's calls are late too",
    )
    parser.add_argument(
        "--in-flight",
        type=int,
        help="the LinkedIn pages in flight of the platform's runs (as "
        "LINKEDIN_LEARNING_MAX_PAGES_IN_FLIGHT sets them; default: the resource's own, 4) and of "
        "the yardstick; the single day also runs the platform with one",
    )
    parser.add_argument(
        "--days", type=int, default=0, help="also backfill this many days of every stream"
    )
    parser.add_argument(
        "--parallel-runs",
        type=int,
        default=2,
        help="the backfill's runs at a time (dagster.yaml's max_concurrent_runs: 2)",
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
