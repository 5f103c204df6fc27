"""What `learning-platform bench` runs: a sandbox process, then the baseline and the platform."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
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


@contextmanager
def sandbox(env: dict[str, str], learners: int, contents: int, pairs: int, cache_bytes: int):
    """A sandbox server process; yields the variables that point the platform at it."""
    command = [sys.executable, "-m", WORKERS, "serve", "--learners", str(learners)]
    command += ["--contents", str(contents), "--pairs", str(pairs)]
    command += ["--cache-bytes", str(cache_bytes)]
    server = subprocess.Popen(
        command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        first_line = server.stdout.readline()
        if not first_line:
            raise RuntimeError("the sandbox process ended before serving")
        yield json.loads(first_line)
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def _bench_environment(home: Path) -> dict[str, str]:
    """Children work in the bench's own home: its own embedded PostgreSQL, staging and Dagster
    instance, never the user's warehouse."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in (settings.DATABASE_URL, settings.STAGING_URL)
    }
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


def single_day(args: argparse.Namespace, env: dict[str, str], conninfo: str) -> tuple[float, float]:
    """The platform and the baseline over one INDIVIDUAL+CONTENT day, `--repeat` times each."""
    from learning_platform.lib.windows import PACIFIC
    from learning_platform_bench import baseline as baseline_module

    day = (datetime.now(PACIFIC) - timedelta(days=2)).date().isoformat()
    pairs = round(args.rows / (2 + COMPLETION_SHARE))
    learners = max(5000, pairs // 20)
    contents = max(100, -(-pairs // learners) * 4)
    platform_table = "linkedin_learning.learner_content_activity"
    baseline_module.prepare(conninfo)
    python = [sys.executable, "-m", WORKERS]
    baseline_command = [*python, "baseline", "--day", day]
    platform_command = [*python, "platform", "--first", day, "--last", day]
    print(
        f"One Pacific day ({day}) of INDIVIDUAL+CONTENT: {pairs:,} learner-content pairs, "
        f"~{args.rows:,} activity rows; {learners:,} learners, {contents:,} contents"
    )
    results: dict[str, list[Measurement]] = {"baseline": [], "platform": []}
    with sandbox(env, learners, contents, pairs, PAGE_CACHE_BYTES) as upstream:
        run_env = {**env, **upstream, "BENCH_CONNINFO": conninfo}
        print("warming up (the sandbox renders and caches the day's pages)...", flush=True)
        measure(baseline_command, run_env)
        for attempt in range(1, args.repeat + 1):
            for name, command, table in (
                ("baseline", baseline_command, baseline_module.BASELINE_TABLE),
                ("platform", platform_command, platform_table),
            ):
                _empty(conninfo, [table])
                measurement = measure(command, run_env)
                if name == "platform" and not measurement.report.get("success"):
                    raise RuntimeError("the platform's run failed: see the Dagster instance")
                measurement.report["rows"] = _count(conninfo, table)
                results[name].append(measurement)
                print(
                    f"  {name:<9} run {attempt}: {measurement.wall_seconds:6.2f} s, "
                    f"{measurement.report['rows'] / measurement.wall_seconds:9,.0f} rows/s, "
                    f"peak {_megabytes(measurement.peak_rss_bytes)}",
                    flush=True,
                )

    def median(name: str, value) -> float:
        return statistics.median(value(m) for m in results[name])

    print(f"\nmedians of {args.repeat} runs (wall time of the whole process, start-up included)")
    print(f"{'':<10}{'rows':>12}{'wall s':>10}{'rows/s':>12}{'peak RSS':>12}")
    rates = {}
    for name in ("baseline", "platform"):
        rows = results[name][0].report["rows"]
        wall = median(name, lambda m: m.wall_seconds)
        rates[name] = median(name, lambda m: m.report["rows"] / m.wall_seconds)
        peak = median(name, lambda m: m.peak_rss_bytes)
        print(f"{name:<10}{rows:>12,}{wall:>10.2f}{rates[name]:>12,.0f}{_megabytes(peak):>12}")
    steps: dict[str, list[float]] = {}
    for measurement in results["platform"]:
        for step, seconds in measurement.report.get("steps_seconds", {}).items():
            steps.setdefault(step, []).append(seconds)
    start_up = median("platform", lambda m: m.report.get("start_seconds", 0.0))
    print(f"\nplatform / baseline rows/s: {rates['platform'] / rates['baseline']:.2f}")
    print(f"platform, inside the process: imports and definitions {start_up:.2f} s; steps:")
    for step, seconds in steps.items():
        print(f"  {step:<62}{statistics.median(seconds):>7.2f} s")
    return rates["platform"], rates["baseline"]


def backfill(args: argparse.Namespace, env: dict[str, str], conninfo: str) -> None:
    """Every LinkedIn stream over `--days` days, in runs of 14 days (the backfill policy), one
    process per run as Dagster's run launcher starts them."""
    from learning_platform.lib.warehouse.tables.linkedin_learning import SCHEMA as LINKEDIN_SCHEMA
    from learning_platform.lib.windows import MAX_DAYS_PER_RUN, PACIFIC

    yesterday = datetime.now(PACIFIC).date() - timedelta(days=1)
    days = [yesterday - timedelta(days=offset) for offset in reversed(range(args.days))]
    runs = [days[i : i + MAX_DAYS_PER_RUN] for i in range(0, len(days), MAX_DAYS_PER_RUN)]
    pairs = args.pairs_per_day or args.learners
    tables = [
        f"{LINKEDIN_SCHEMA}.{name}"
        for name in ("account_activity", "learner_activity", "learner_content_activity")
    ]
    print(
        f"\nBackfill: {args.days} Pacific days ({days[0]} .. {days[-1]}), every LinkedIn stream, "
        f"{len(runs)} runs of up to {MAX_DAYS_PER_RUN} days; organisation of {args.learners:,} "
        f"learners, {pairs:,} learner-content engagements a day"
    )
    _empty(conninfo, tables + [f"{LINKEDIN_SCHEMA}.learners", f"{LINKEDIN_SCHEMA}.contents"])
    wall = steps = start_up = 0.0
    peak = 0
    with sandbox(env, args.learners, max(200, args.learners // 10), pairs, 0) as upstream:
        run_env = {**env, **upstream}
        for number, run_days in enumerate(runs, 1):
            command = [sys.executable, "-m", WORKERS, "platform", "--all"]
            command += ["--first", run_days[0].isoformat(), "--last", run_days[-1].isoformat()]
            measurement = measure(command, run_env)
            if not measurement.report.get("success"):
                raise RuntimeError(f"backfill run {number} ({run_days[0]} ..) failed")
            wall += measurement.wall_seconds
            steps += sum(measurement.report["steps_seconds"].values())
            start_up += measurement.report["start_seconds"]
            peak = max(peak, measurement.peak_rss_bytes)
            print(
                f"  run {number:>2}/{len(runs)} {run_days[0]} .. {run_days[-1]}: "
                f"{measurement.wall_seconds:6.1f} s",
                flush=True,
            )
    rows = sum(_count(conninfo, table) for table in tables)
    overhead = wall - steps
    print(
        f"\nbackfill of {args.days} days: {wall:.0f} s wall ({wall / 60:.1f} min), {rows:,} rows, "
        f"{rows / wall:,.0f} rows/s, peak {_megabytes(peak)} per run"
    )
    print(
        f"inside the platform's steps {steps:.0f} s; Dagster and process overhead "
        f"{overhead:.0f} s = {overhead / wall:.0%} of the wall time "
        f"(of which process start, imports and definitions {start_up:.0f} s)"
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
    with sandbox(env, args.learners, max(200, args.learners // 10), pairs, 0) as upstream:
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
        ]
        if not measure(command, {**env, **upstream}).report.get("success"):
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

    home = settings.home() / "bench"
    home.mkdir(parents=True, exist_ok=True)
    env = _bench_environment(home)
    warehouse = PostgresWarehouse(home=str(home))
    conninfo = _psycopg_conninfo(warehouse.url)
    print(f"Bench home: {home} (embedded PostgreSQL, staging, Dagster instance)")
    print(f"Machine: {os.cpu_count()} cores, {_megabytes(psutil.virtual_memory().total)}\n")
    if args.rows:
        single_day(args, env, conninfo)
    if args.days:
        if not (args.reporting and args.reuse_history):
            backfill(args, env, conninfo)
        if args.reporting:
            reporting(args, env, conninfo)
    return 0
