"""The benchmark's measured processes, one per invocation: the sandbox, the baseline, the platform.

    python -m learning_platform_bench.workers serve --learners 20000 --contents 2000 --pairs 450000
    python -m learning_platform_bench.workers baseline --day 2026-11-01
    python -m learning_platform_bench.workers yardstick --day 2026-11-01 --in-flight 4
    python -m learning_platform_bench.workers platform --first 2026-11-01 --last 2026-11-14 [--all]
        [--in-flight 4]

Each prints one JSON line on stdout; the orchestrator (`learning-platform bench`) times the
process from the outside and samples its memory. The sandbox then answers commands on stdin.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from datetime import date


def serve(args: argparse.Namespace) -> None:
    """The sandbox, until the orchestrator closes our stdin (or exits). It prints the variables
    that point a client at it, then answers one JSON line per command line:

        calls       {"report_calls", "max_in_flight"} since the last `calls`
        latency MS  every report call from now waits MS milliseconds
    """
    from learning_platform_sandbox import LinkedInSimulator, Organisation, SandboxServer

    organisation = Organisation(
        seed=args.seed, learners=args.learners, contents=args.contents, pairs_per_day=args.pairs
    )
    simulator = LinkedInSimulator(
        organisation, page_cache_bytes=args.cache_bytes, latency_seconds=args.latency_ms / 1000
    )
    with SandboxServer(organisation, linkedin=simulator) as server:
        print(json.dumps(server.environment()), flush=True)
        for line in sys.stdin:
            command, *values = line.split()
            if command == "calls":
                answer = {
                    "report_calls": len(simulator.report_requests),
                    "max_in_flight": simulator.max_reports_in_flight,
                }
                simulator.reset_observations()
            elif command == "latency":
                simulator.latency_seconds = float(values[0]) / 1000
                answer = {"latency_seconds": simulator.latency_seconds}
            else:
                answer = {"error": f"unknown command {command!r}"}
            print(json.dumps(answer), flush=True)


def _linkedin_arguments(args: argparse.Namespace) -> tuple:
    """What both loaders of the single day are given: the sandbox, the day and the warehouse."""
    from learning_platform.lib.windows import PACIFIC, DayWindow

    return (
        os.environ["LINKEDIN_LEARNING_API_URL"],
        os.environ["LINKEDIN_LEARNING_TOKEN_URL"],
        os.environ["LINKEDIN_LEARNING_CLIENT_ID"],
        os.environ["LINKEDIN_LEARNING_CLIENT_SECRET"],
        DayWindow(date.fromisoformat(args.day), PACIFIC),
        os.environ["BENCH_CONNINFO"],
    )


def baseline(args: argparse.Namespace) -> None:
    from learning_platform_bench.baseline import load_day

    started = time.perf_counter()
    rows = load_day(*_linkedin_arguments(args))
    print(json.dumps({"rows": rows, "seconds": time.perf_counter() - started}))


def yardstick(args: argparse.Namespace) -> None:
    from learning_platform_bench.baseline import load_day_in_flight

    started = time.perf_counter()
    rows = load_day_in_flight(*_linkedin_arguments(args), in_flight=args.in_flight)
    print(json.dumps({"rows": rows, "seconds": time.perf_counter() - started}))


def platform(args: argparse.Namespace) -> None:
    """The platform's real path: the definitions, a Dagster instance, one run over the range."""
    started = time.perf_counter()
    import dagster as dg
    import psutil

    from learning_platform import settings
    from learning_platform.definitions import defs

    if args.in_flight is not None:
        # As a deployment sets it. Not run config: a run's config of a resource replaces every
        # value the definitions gave it, the variables it is bound to included.
        os.environ[settings.LINKEDIN_MAX_PAGES_IN_FLIGHT] = str(args.in_flight)
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
    idle_rss_bytes = psutil.Process().memory_info().rss  # the run process, ready for its steps
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
    # The run process's own high-water mark, without the processes Dagster starts beside it
    # (compute-log tails and their orphan watchers, about 35 MB in all). macOS counts bytes.
    unit = 1 if sys.platform == "darwin" else 1024
    peak_rss_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit
    _print_run_report(
        instance,
        result,
        started,
        loaded,
        finished,
        idle_rss_bytes=idle_rss_bytes,
        process_peak_rss_bytes=peak_rss_bytes,
    )


def _print_run_report(
    instance, result, started: float, loaded: float, finished: float, **figures: float
) -> None:
    """The run's figures, as the JSON line the orchestrator reads: its times, each step's time,
    and when each step ran (epoch seconds), for a backfill of runs in parallel, where the time no
    step of any run was running is what the runs cost beyond their work."""
    steps = {
        event.step_key: event.event_specific_data.duration_ms / 1000
        for event in result.all_events
        if event.event_type_value == "STEP_SUCCESS"
    }
    started_at: dict[str, float] = {}
    intervals = []
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            started_at[event.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            intervals.append([started_at.get(event.step_key, entry.timestamp), entry.timestamp])
    print(
        json.dumps(
            {
                "success": result.success,
                "seconds": finished - started,
                "start_seconds": loaded - started,
                "run_seconds": finished - loaded,
                "steps_seconds": steps,
                "step_intervals": intervals,
                **figures,
            }
        )
    )


def reporting(args: argparse.Namespace) -> None:
    """The reporting_refresh job in the bench's instance: the directory and every mart. `--full`
    asks for a full build where the reporting layer builds incrementally."""
    started = time.perf_counter()
    import dagster as dg

    from learning_platform.reporting_definitions import defs

    job = defs().resolve_job_def("reporting_refresh")
    instance = dg.DagsterInstance.get()
    loaded = time.perf_counter()
    result = job.execute_in_process(
        instance=instance,
        tags={"learning_platform/trigger": "bench"}
        | ({"learning_platform/full_refresh": "true"} if args.full else {}),
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        raise_on_error=False,
    )
    finished = time.perf_counter()
    _print_run_report(instance, result, started, loaded, finished)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m learning_platform_bench.workers")
    workers = parser.add_subparsers(dest="worker", required=True)
    serve_parser = workers.add_parser("serve")
    serve_parser.add_argument("--seed", type=int, default=7)
    serve_parser.add_argument("--learners", type=int, required=True)
    serve_parser.add_argument("--contents", type=int, required=True)
    serve_parser.add_argument("--pairs", type=int, required=True)
    serve_parser.add_argument("--cache-bytes", type=int, default=0)
    serve_parser.add_argument("--latency-ms", type=float, default=0.0)
    serve_parser.set_defaults(handler=serve)
    baseline_parser = workers.add_parser("baseline")
    baseline_parser.add_argument("--day", required=True)
    baseline_parser.set_defaults(handler=baseline)
    yardstick_parser = workers.add_parser("yardstick")
    yardstick_parser.add_argument("--day", required=True)
    yardstick_parser.add_argument("--in-flight", type=int, required=True)
    yardstick_parser.set_defaults(handler=yardstick)
    platform_parser = workers.add_parser("platform")
    platform_parser.add_argument("--first", required=True)
    platform_parser.add_argument("--last", required=True)
    platform_parser.add_argument("--all", action="store_true")
    platform_parser.add_argument(
        "--in-flight",
        type=int,
        help="the LinkedIn resource's max_pages_in_flight (default: its own)",
    )
    platform_parser.set_defaults(handler=platform)
    reporting_parser = workers.add_parser("reporting")
    reporting_parser.add_argument("--full", action="store_true")
    reporting_parser.set_defaults(handler=reporting)
    args = parser.parse_args(argv)
    args.handler(args)


if __name__ == "__main__":
    main()
