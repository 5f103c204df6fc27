"""The benchmark's measured processes, one per invocation: the sandbox, the baseline, the platform.

    python -m learning_platform_bench.workers serve --learners 20000 --contents 2000 --pairs 450000
    python -m learning_platform_bench.workers baseline --day 2026-11-01
    python -m learning_platform_bench.workers platform --first 2026-11-01 --last 2026-11-14 [--all]

Each prints one JSON line on stdout; the orchestrator (`learning-platform bench`) times the
process from the outside and samples its memory.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date


def serve(args: argparse.Namespace) -> None:
    from learning_platform_sandbox import LinkedInSimulator, Organisation, SandboxServer

    organisation = Organisation(
        seed=args.seed, learners=args.learners, contents=args.contents, pairs_per_day=args.pairs
    )
    simulator = LinkedInSimulator(organisation, page_cache_bytes=args.cache_bytes)
    with SandboxServer(organisation, linkedin=simulator) as server:
        print(json.dumps(server.environment()), flush=True)
        sys.stdin.read()  # until the orchestrator closes our stdin (or exits)


def baseline(args: argparse.Namespace) -> None:
    from learning_platform.lib.windows import PACIFIC, DayWindow
    from learning_platform_bench.baseline import load_day

    started = time.perf_counter()
    rows = load_day(
        os.environ["LINKEDIN_LEARNING_API_URL"],
        os.environ["LINKEDIN_LEARNING_TOKEN_URL"],
        os.environ["LINKEDIN_LEARNING_CLIENT_ID"],
        os.environ["LINKEDIN_LEARNING_CLIENT_SECRET"],
        DayWindow(date.fromisoformat(args.day), PACIFIC),
        os.environ["BENCH_CONNINFO"],
    )
    print(json.dumps({"rows": rows, "seconds": time.perf_counter() - started}))


def platform(args: argparse.Namespace) -> None:
    """The platform's real path: the definitions, a Dagster instance, one run over the range."""
    started = time.perf_counter()
    import dagster as dg

    from learning_platform.definitions import defs

    definitions = defs()
    if args.all:
        # Every LinkedIn stream and its checks: what a backfill of them runs. Not the global asset
        # job: it holds the Thought Industries assets too, whose partitions are files, not days.
        job = definitions.resolve_job_def("linkedin_learning_daily")
        selection = None
    else:
        job = definitions.resolve_implicit_global_asset_job_def()
        stream = "learner_content_activity"
        selection = [
            dg.AssetKey(["linkedin_learning", f"{stream}_staged"]),
            dg.AssetKey(["linkedin_learning", stream]),
        ]
    instance = dg.DagsterInstance.get()
    loaded = time.perf_counter()
    result = job.execute_in_process(
        instance=instance,
        asset_selection=selection,
        tags={
            "dagster/asset_partition_range_start": args.first,
            "dagster/asset_partition_range_end": args.last,
            "learning_platform/trigger": "bench",
        },
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        raise_on_error=False,
    )
    finished = time.perf_counter()
    steps = {
        event.step_key: event.event_specific_data.duration_ms / 1000
        for event in result.all_events
        if event.event_type_value == "STEP_SUCCESS"
    }
    print(
        json.dumps(
            {
                "success": result.success,
                "seconds": finished - started,
                "start_seconds": loaded - started,
                "run_seconds": finished - loaded,
                "steps_seconds": steps,
            }
        )
    )


def reporting(args: argparse.Namespace) -> None:
    """The reporting_refresh job in the bench's instance: the directory and every mart. `--full`
    asks for a full build where the reporting layer builds incrementally."""
    started = time.perf_counter()
    import dagster as dg

    from learning_platform.definitions import defs

    job = defs().resolve_job_def("reporting_refresh")
    loaded = time.perf_counter()
    result = job.execute_in_process(
        instance=dg.DagsterInstance.get(),
        tags={"learning_platform/trigger": "bench"}
        | ({"learning_platform/full_refresh": "true"} if args.full else {}),
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        raise_on_error=False,
    )
    finished = time.perf_counter()
    steps = {
        event.step_key: event.event_specific_data.duration_ms / 1000
        for event in result.all_events
        if event.event_type_value == "STEP_SUCCESS"
    }
    print(
        json.dumps(
            {
                "success": result.success,
                "seconds": finished - started,
                "start_seconds": loaded - started,
                "run_seconds": finished - loaded,
                "steps_seconds": steps,
            }
        )
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m learning_platform_bench.workers")
    workers = parser.add_subparsers(dest="worker", required=True)
    serve_parser = workers.add_parser("serve")
    serve_parser.add_argument("--seed", type=int, default=7)
    serve_parser.add_argument("--learners", type=int, required=True)
    serve_parser.add_argument("--contents", type=int, required=True)
    serve_parser.add_argument("--pairs", type=int, required=True)
    serve_parser.add_argument("--cache-bytes", type=int, default=0)
    serve_parser.set_defaults(handler=serve)
    baseline_parser = workers.add_parser("baseline")
    baseline_parser.add_argument("--day", required=True)
    baseline_parser.set_defaults(handler=baseline)
    platform_parser = workers.add_parser("platform")
    platform_parser.add_argument("--first", required=True)
    platform_parser.add_argument("--last", required=True)
    platform_parser.add_argument("--all", action="store_true")
    platform_parser.set_defaults(handler=platform)
    reporting_parser = workers.add_parser("reporting")
    reporting_parser.add_argument("--full", action="store_true")
    reporting_parser.set_defaults(handler=reporting)
    args = parser.parse_args(argv)
    args.handler(args)


if __name__ == "__main__":
    main()
