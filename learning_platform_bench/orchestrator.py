"""What `learning-platform bench` runs: a sandbox process, then the baseline, the yardstick and the
platform."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import psutil

from learning_platform import settings
from learning_platform_bench.measuring import Measurement, measure

WORKERS = "learning_platform_bench.workers"
# What the synthetic organisation's engagement holds: SECONDS_VIEWED and PROGRESS_PERCENTAGE for
# every (learner, content) pair of the day, COMPLETIONS for the share that finished.
COMPLETION_SHARE = 0.20
PAGE_CACHE_BYTES = 4 * 2**30


class Sandbox:
    """The sandbox process: the variables that point a client at it, and what it counted."""

    def __init__(self, server: subprocess.Popen, environment: dict[str, str]) -> None:
        self._server = server
        self.environment = environment

    def report_calls(self) -> tuple[int, int]:
        """(report calls, most in flight at once) since the last time this was asked."""
        answer = self._ask("calls")
        return answer["report_calls"], answer["max_in_flight"]

    def set_latency(self, milliseconds: float) -> None:
        """Every report call from now waits `milliseconds` before it is answered."""
        self._ask(f"latency {milliseconds}")

    def _ask(self, command: str) -> dict:
        self._server.stdin.write(command + "\n")
        self._server.stdin.flush()
        return json.loads(self._server.stdout.readline())


@contextmanager
def sandbox(
    env: dict[str, str],
    learners: int,
    contents: int,
    pairs: int,
    cache_bytes: int,
    latency_ms: float = 0.0,
):
    """A sandbox server process, every report call `latency_ms` late; yields a `Sandbox`."""
    command = [sys.executable, "-m", WORKERS, "serve", "--learners", str(learners)]
    command += ["--contents", str(contents), "--pairs", str(pairs)]
    command += ["--cache-bytes", str(cache_bytes), "--latency-ms", str(latency_ms)]
    server = subprocess.Popen(
        command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        first_line = server.stdout.readline()
        if not first_line:
            raise RuntimeError("the sandbox process ended before serving")
        yield Sandbox(server, json.loads(first_line))
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def _bench_environment(home: Path) -> dict[str, str]:
    """Children work in the bench's own home: its own embedded PostgreSQL, staging and Dagster
    instance, never the user's warehouse."""
    # Nor the user's pages in flight: the bench says how many each of its runs has.
    unset = (settings.DATABASE_URL, settings.STAGING_URL, settings.LINKEDIN_MAX_PAGES_IN_FLIGHT)
    env = {name: value for name, value in os.environ.items() if name not in unset}
    env[settings.HOME] = str(home)
    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True, exist_ok=True)
    instance_yaml = dagster_home / "dagster.yaml"
    if not instance_yaml.exists():
        shutil.copyfile(Path(__file__).resolve().parents[1] / "dagster.yaml", instance_yaml)
    env["DAGSTER_HOME"] = str(dagster_home)
    env.setdefault("PYTHONWARNINGS", "ignore")
    return env


def _empty(conninfo: str, tables: list[str]) -> None:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as connection:
        for table in tables:
            # A table partitioned by day loses its days' tables too, so that every run loads a
            # day the warehouse never held, as a day's first load does.
            partitions = connection.execute(
                "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = %s::regclass",
                (table,),
            ).fetchall()
            for (partition,) in partitions:
                connection.execute(f"DROP TABLE {partition}")
            connection.execute(f"TRUNCATE {table}")
        connection.execute("CHECKPOINT")  # each run starts with nothing dirty to write


def _vacuum_analyze(conninfo: str) -> None:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def _count(conninfo: str, table: str) -> int:
    import psycopg

    with psycopg.connect(conninfo) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.0f} MB"


@dataclass(frozen=True)
class Loader:
    """One measured loader of the single day: what it is, its pages in flight, its process."""

    kind: str  # baseline, yardstick, platform
    in_flight: int
    command: list[str]
    table: str

    @property
    def name(self) -> str:
        return f"{self.kind} ({self.in_flight} in flight)"


def default_pages_in_flight() -> int:
    """The LinkedIn resource's own `max_pages_in_flight`: what a deployment that sets none gets."""
    from learning_platform.defs.linkedin_learning.resources import LinkedInLearningClient

    return LinkedInLearningClient.model_fields["max_pages_in_flight"].default


def single_day(args: argparse.Namespace, env: dict[str, str], conninfo: str) -> None:
    """The baseline, the yardstick and the platform (with its pages in flight, and one at a time)
    over one INDIVIDUAL+CONTENT day, `--repeat` times each: on loopback, then, with
    `--latency-ms`, with every report call that much late."""
    from learning_platform.lib.windows import PACIFIC
    from learning_platform_bench import baseline as baseline_module

    rows_wanted = single_day_rows(args)
    in_flight = args.in_flight or default_pages_in_flight()
    day = (datetime.now(PACIFIC) - timedelta(days=2)).date().isoformat()
    pairs = round(rows_wanted / (2 + COMPLETION_SHARE))
    learners = max(5000, pairs // 20)
    contents = max(100, -(-pairs // learners) * 4)
    platform_table = "linkedin_learning.learner_content_activity"
    baseline_module.prepare(conninfo)
    python = [sys.executable, "-m", WORKERS]
    platform_command = [*python, "platform", "--first", day, "--last", day]
    loaders = [
        Loader(
            "baseline",
            1,
            [*python, "baseline", "--day", day],
            baseline_module.BASELINE_TABLE,
        ),
        Loader(
            "yardstick",
            in_flight,
            [*python, "yardstick", "--day", day, "--in-flight", str(in_flight)],
            baseline_module.BASELINE_TABLE,
        ),
        Loader(
            "platform",
            in_flight,
            [*platform_command, "--in-flight", str(in_flight)],
            platform_table,
        ),
    ]
    if in_flight > 1:
        sequential = [*platform_command, "--in-flight", "1"]
        loaders.append(Loader("platform", 1, sequential, platform_table))
    print(
        f"One Pacific day ({day}) of INDIVIDUAL+CONTENT: {pairs:,} learner-content pairs, "
        f"~{rows_wanted:,} activity rows; {learners:,} learners, {contents:,} contents"
    )
    print(
        f"baseline: one page at a time; yardstick: the baseline's work with {in_flight} pages in "
        f"flight (gap fills after short pages); platform: {in_flight} in flight, then one at a time"
    )
    summaries: list[tuple[str, dict[str, float]]] = []
    with sandbox(env, learners, contents, pairs, PAGE_CACHE_BYTES) as upstream:
        run_env = {**env, **upstream.environment, "BENCH_CONNINFO": conninfo}
        print("warming up (the sandbox renders and caches the day's pages)...", flush=True)
        for loader in loaders[:2]:  # every page either asks for, gap fills included
            _empty(conninfo, [loader.table])
            measure(loader.command, run_env)
        cases = [("on loopback", 0.0)]
        if args.latency_ms:
            cases.append((f"at {args.latency_ms:g} ms per report call", args.latency_ms))
        for case, latency_ms in cases:
            upstream.set_latency(latency_ms)
            print(f"\n{case}:", flush=True)
            results = _measure_loaders(args, loaders, upstream, run_env, conninfo)
            summaries.append((case, _report_single_day(args, loaders, results)))
    if len(summaries) > 1:
        print(f"\nplatform with {in_flight} in flight, rows/s:")
        for case, ratios in summaries:
            print(
                f"  {case:<32} {ratios['yardstick']:.2f} of the yardstick's"
                + (
                    f", {ratios['sequential']:.1f}x the sequential platform's"
                    if in_flight > 1
                    else ""
                )
            )


def single_day_repeats(args: argparse.Namespace) -> int:
    """`--repeat`, or its default: 3 runs of each loader, or 1 with a latency, where a run is
    mostly the calls' wait (and one of each of the sequential loaders about half a minute)."""
    if args.repeat is not None:
        return args.repeat
    return 1 if args.latency_ms else 3


def single_day_rows(args: argparse.Namespace) -> int:
    """`--rows`, or its default: a 1M-row day, or a 200k-row day with a latency (a sequential
    1M-row day at 300 ms per call would wait over two minutes a run)."""
    if args.rows is not None:
        return args.rows
    return 200_000 if args.latency_ms else 1_000_000


def _measure_loaders(
    args: argparse.Namespace,
    loaders: list[Loader],
    upstream: Sandbox,
    run_env: dict[str, str],
    conninfo: str,
) -> dict[str, list[Measurement]]:
    """Each loader `--repeat` times, in turns; every run loads the day into an empty table, and
    every run must load as many rows as the baseline's first."""
    results: dict[str, list[Measurement]] = {loader.name: [] for loader in loaders}
    expected_rows = None
    for attempt in range(1, single_day_repeats(args) + 1):
        for loader in loaders:
            _empty(conninfo, [loader.table])
            upstream.report_calls()  # counting starts now
            measurement = measure(loader.command, run_env)
            if loader.kind == "platform" and not measurement.report.get("success"):
                raise RuntimeError("the platform's run failed: see the Dagster instance")
            rows = measurement.report["rows"] = _count(conninfo, loader.table)
            calls, most_at_once = upstream.report_calls()
            measurement.report["calls"], measurement.report["most_in_flight"] = calls, most_at_once
            expected_rows = rows if expected_rows is None else expected_rows
            if rows != expected_rows:
                raise RuntimeError(
                    f"{loader.name} loaded {rows:,} rows, the baseline {expected_rows:,}"
                )
            results[loader.name].append(measurement)
            print(
                f"  {loader.name:<25} run {attempt}: {measurement.wall_seconds:6.2f} s, "
                f"{rows / measurement.wall_seconds:9,.0f} rows/s, {calls} calls "
                f"(at most {most_at_once} at once), peak {_megabytes(measurement.peak_rss_bytes)}",
                flush=True,
            )
    return results


def _report_single_day(
    args: argparse.Namespace, loaders: list[Loader], results: dict[str, list[Measurement]]
) -> dict[str, float]:
    """The medians of each loader and the ratios; returns the platform's to the yardstick's and
    to the sequential platform's rows/s."""

    def median(name: str, value) -> float:
        return statistics.median(value(m) for m in results[name])

    repeats = single_day_repeats(args)
    print(f"\nmedians of {repeats} runs (wall time of the whole process, start-up included)")
    print(f"{'':<26}{'rows':>12}{'calls':>7}{'wall s':>10}{'rows/s':>12}{'peak RSS':>12}")
    rates = {}
    for loader in loaders:
        name = loader.name
        rows = results[name][0].report["rows"]
        calls = median(name, lambda m: m.report["calls"])
        wall = median(name, lambda m: m.wall_seconds)
        rates[name] = median(name, lambda m: m.report["rows"] / m.wall_seconds)
        peak = median(name, lambda m: m.peak_rss_bytes)
        print(
            f"{name:<26}{rows:>12,}{calls:>7,.0f}{wall:>10.2f}{rates[name]:>12,.0f}"
            f"{_megabytes(peak):>12}"
        )
    baseline, yardstick, platform = (loader.name for loader in loaders[:3])
    ratios = {"yardstick": rates[platform] / rates[yardstick]}
    print(f"\nplatform / baseline rows/s: {rates[platform] / rates[baseline]:.2f}")
    print(f"{platform} / {yardstick} rows/s: {ratios['yardstick']:.2f}")
    if len(loaders) > 3:
        sequential = loaders[3].name
        ratios["sequential"] = rates[platform] / rates[sequential]
        print(f"{platform} / {sequential} rows/s: {ratios['sequential']:.2f}")
    steps: dict[str, list[float]] = {}
    for measurement in results[platform]:
        for step, seconds in measurement.report.get("steps_seconds", {}).items():
            steps.setdefault(step, []).append(seconds)
    start_up = median(platform, lambda m: m.report.get("start_seconds", 0.0))
    idle = median(platform, lambda m: m.report["idle_rss_bytes"])
    above = median(
        platform, lambda m: m.report["process_peak_rss_bytes"] - m.report["idle_rss_bytes"]
    )
    print(
        f"{platform}, inside the run process: imports and definitions {start_up:.2f} s, then "
        f"{_megabytes(idle)} idle; its steps' working set peaked {_megabytes(above)} above that; "
        "steps:"
    )
    for step, seconds in steps.items():
        print(f"  {step:<62}{statistics.median(seconds):>7.2f} s")
    return ratios


def _busy_seconds(intervals: list[list[float]]) -> float:
    """How long at least one of the intervals was under way (their union's length)."""
    busy, until = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end > until:
            busy += end - max(start, until)
            until = end
    return busy


def backfill(args: argparse.Namespace, env: dict[str, str], conninfo: str) -> None:
    """Every LinkedIn stream over `--days` days, in runs of 14 days (the backfill policy), one
    process per run as Dagster's run launcher starts them, `--parallel-runs` at a time as the
    instance's run queue allows (its pools still let one step at a time call LinkedIn)."""
    from learning_platform.lib.linkedin_learning.load import DETAIL_TABLES, TABLES
    from learning_platform.lib.windows import MAX_DAYS_PER_RUN, PACIFIC

    yesterday = datetime.now(PACIFIC).date() - timedelta(days=1)
    days = [yesterday - timedelta(days=offset) for offset in reversed(range(args.days))]
    runs = [days[i : i + MAX_DAYS_PER_RUN] for i in range(0, len(days), MAX_DAYS_PER_RUN)]
    pairs = args.pairs_per_day or args.learners
    tables = [table.fullname for table in TABLES.values()]  # every stream's activity
    print(
        f"\nBackfill: {args.days} Pacific days ({days[0]} .. {days[-1]}), every LinkedIn stream, "
        f"{len(runs)} runs of up to {MAX_DAYS_PER_RUN} days; organisation of {args.learners:,} "
        f"learners, {pairs:,} learner-content engagements a day"
        + (f"; {args.latency_ms:g} ms per report call" if args.latency_ms else "")
    )
    _empty(conninfo, tables + [table.fullname for table in DETAIL_TABLES.values()])
    steps = start_up = 0.0
    peak = 0
    intervals: list[list[float]] = []
    contents = max(200, args.learners // 10)
    print(f"{args.parallel_runs} run(s) at a time", flush=True)
    with sandbox(env, args.learners, contents, pairs, 0, args.latency_ms) as upstream:
        run_env = {**env, **upstream.environment}

        def run(number: int, run_days: list) -> Measurement:
            command = [sys.executable, "-m", WORKERS, "platform", "--all"]
            command += ["--first", run_days[0].isoformat(), "--last", run_days[-1].isoformat()]
            command += _in_flight_option(args)
            measurement = measure(command, run_env)
            if not measurement.report.get("success"):
                raise RuntimeError(f"backfill run {number} ({run_days[0]} ..) failed")
            print(
                f"  run {number:>2}/{len(runs)} {run_days[0]} .. {run_days[-1]}: "
                f"{measurement.wall_seconds:6.1f} s",
                flush=True,
            )
            return measurement

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.parallel_runs) as queue:
            measurements = list(queue.map(run, range(1, len(runs) + 1), runs))
        wall = time.perf_counter() - started
    for measurement in measurements:
        steps += sum(measurement.report["steps_seconds"].values())
        start_up += measurement.report["start_seconds"]
        peak = max(peak, measurement.peak_rss_bytes)
        intervals += measurement.report["step_intervals"]
    rows = sum(_count(conninfo, table) for table in tables)
    overhead = wall - _busy_seconds(intervals)
    print(
        f"\nbackfill of {args.days} days: {wall:.0f} s wall ({wall / 60:.1f} min), {rows:,} rows, "
        f"{rows / wall:,.0f} rows/s, peak {_megabytes(peak)} per run"
    )
    print(
        f"inside the platform's steps {steps:.0f} s in all; Dagster and process overhead (no "
        f"step of any run under way) {overhead:.0f} s = {overhead / wall:.0%} of the wall time "
        f"(process starts, imports and definitions {start_up:.0f} s in all)"
    )


def reporting(args: argparse.Namespace, env: dict[str, str], conninfo: str) -> None:
    """The reporting layer over the backfilled history: a full build, then the refresh that
    follows a re-pull of one day from LinkedIn and Thrive (what every daily load triggers), once
    the tables are vacuumed and analysed as autovacuum leaves them in the day between."""
    from learning_platform.lib.windows import PACIFIC

    env = {**env, settings.PSEUDONYM_KEY: "bench-only-pseudonym-key-0123456789"}
    day = (datetime.now(PACIFIC).date() - timedelta(days=2)).isoformat()
    print(f"\nReporting over {args.days} days of history")
    full = _reporting_run(env, full=True)
    print(
        f"  full build: {full.wall_seconds:6.1f} s wall, {_steps(full)}; "
        f"peak memory {_megabytes(full.peak_rss_bytes)} (the run and dbt)"
    )
    started = time.perf_counter()
    _vacuum_analyze(conninfo)
    print(
        f"  VACUUM ANALYZE: {time.perf_counter() - started:6.1f} s (what autovacuum does between "
        "a full build and the next day's load)"
    )
    pairs = args.pairs_per_day or args.learners
    contents = max(200, args.learners // 10)
    with sandbox(env, args.learners, contents, pairs, 0, args.latency_ms) as upstream:
        command = [
            sys.executable,
            "-m",
            WORKERS,
            "platform",
            "--all",
            "--first",
            day,
            "--last",
            day,
            *_in_flight_option(args),
        ]
        if not measure(command, {**env, **upstream.environment}).report.get("success"):
            raise RuntimeError(f"the re-pull of {day} failed")
    refresh = _reporting_run(env, full=False)
    print(
        f"  refresh after re-pulling {day}: {refresh.wall_seconds:6.1f} s wall, {_steps(refresh)}; "
        f"peak memory {_megabytes(refresh.peak_rss_bytes)}"
    )
    inside_full = sum(full.report["steps_seconds"].values())
    inside_refresh = sum(refresh.report["steps_seconds"].values())
    print(
        f"  refresh / full build: {inside_refresh / inside_full:.0%} of the time inside the steps "
        f"({inside_refresh:.1f} s of {inside_full:.1f} s)"
    )


def _in_flight_option(args: argparse.Namespace) -> list[str]:
    """The platform's pages in flight as `--in-flight` asks, or none: the resource's default."""
    return ["--in-flight", str(args.in_flight)] if args.in_flight else []


def _reporting_run(env: dict[str, str], *, full: bool) -> Measurement:
    command = [sys.executable, "-m", WORKERS, "reporting"] + (["--full"] if full else [])
    measurement = measure(command, env)
    if not measurement.report.get("success"):
        raise RuntimeError("the reporting run failed")
    return measurement


def _steps(measurement: Measurement) -> str:
    steps = measurement.report["steps_seconds"]
    return ", ".join(f"{key} {seconds:.1f} s" for key, seconds in sorted(steps.items()))


def run(args: argparse.Namespace) -> int:
    from learning_platform.defs.shared.resources import PostgresWarehouse, _psycopg_conninfo
    from learning_platform.lib.warehouse.embedded import embedded_database_url

    home = settings.home() / "bench"
    home.mkdir(parents=True, exist_ok=True)
    env = _bench_environment(home)
    PostgresWarehouse(home=str(home)).ensure_ready()  # started and migrated
    # The bench empties the platform's tables and owns its baseline's: the embedded server's
    # superuser, not the loader the platform's runs log in as (rows, no TRUNCATE, no DDL).
    conninfo = _psycopg_conninfo(embedded_database_url(home))
    print(f"Bench home: {home} (embedded PostgreSQL, staging, Dagster instance)")
    print(f"Machine: {os.cpu_count()} cores, {_megabytes(psutil.virtual_memory().total)}\n")
    if single_day_rows(args):
        single_day(args, env, conninfo)
    if args.days:
        if not (args.reporting and args.reuse_history):
            backfill(args, env, conninfo)
        if args.reporting:
            reporting(args, env, conninfo)
    return 0
