"""The `learning-platform` command: the demo, the sandbox upstreams, the UI, and warehouse chores."""

from __future__ import annotations

import argparse
import getpass
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from learning_platform import settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The demo's learner keys: made against the sandbox's synthetic people, never real ones. Outside the
# demo LEARNING_PLATFORM_PSEUDONYM_KEY must be set to a secret of the deployment's own.
DEMO_PSEUDONYM_KEY = "sandbox-only-pseudonym-key-not-a-secret"
# Set in the process of a supervised command (see _supervise).
SUPERVISED = "LEARNING_PLATFORM_SUPERVISED"
INTERRUPTED = "interrupted; the run under way was canceled and nothing is left running"
INTERRUPTED_STATUS = 130  # 128 + SIGINT, as a shell reports a command Ctrl-C ended
# How long an interrupted command may take to cancel its run before its processes are stopped.
INTERRUPT_GRACE_SECONDS = 60.0


def _prepare_home() -> Path:
    """LEARNING_PLATFORM_HOME and a Dagster instance inside it, exported for this process and its children."""
    home = settings.home()
    home.mkdir(parents=True, exist_ok=True)
    os.environ[settings.HOME] = str(home)
    dagster_home = Path(os.environ.get("DAGSTER_HOME") or home / "dagster")
    dagster_home.mkdir(parents=True, exist_ok=True)
    instance_yaml = dagster_home / "dagster.yaml"
    project_yaml = PROJECT_ROOT / "dagster.yaml"
    if not instance_yaml.exists() and project_yaml.exists():
        shutil.copyfile(project_yaml, instance_yaml)
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    return home


def _start_sandbox(args: argparse.Namespace):
    from learning_platform_sandbox import Organisation, SandboxServer

    server = SandboxServer(
        Organisation(seed=args.seed, learners=args.learners), port=args.sandbox_port
    )
    server.start()
    os.environ.update(server.environment())
    os.environ.setdefault(settings.PSEUDONYM_KEY, DEMO_PSEUDONYM_KEY)
    return server


def _drop_exports(args: argparse.Namespace, days: list[date]) -> list[Path]:
    """Write the sandbox's Thought Industries exports over `days` into the drop folder (two that
    overlap), as someone delivering them would; THOUGHT_INDUSTRIES_DROP_URL is set to it."""
    from learning_platform_sandbox import ContentActions, Organisation

    url = settings.thought_industries_drop_url()
    if "://" in url and not url.startswith("file://"):
        print(
            f"{settings.THOUGHT_INDUSTRIES_DROP_URL} is {url}: the sandbox only writes to a folder"
        )
        return []
    folder = Path(url.removeprefix("file://"))
    os.environ[settings.THOUGHT_INDUSTRIES_DROP_URL] = str(folder)
    organisation = Organisation(seed=args.seed, learners=args.learners)
    return ContentActions(organisation).write_demo_exports(folder, days)


def _last_days(count: int) -> list[date]:
    """The last `count` complete Pacific days, oldest first."""
    from learning_platform.lib.windows import PACIFIC

    yesterday = datetime.now(PACIFIC).date() - timedelta(days=1)
    return [yesterday - timedelta(days=offset) for offset in reversed(range(count))]


def _warehouse():
    """The warehouse the environment names, as a command (not a run) uses it: the loader's URL,
    and the migrating role's where it differs."""
    from learning_platform.defs.shared.resources import PostgresWarehouse

    return PostgresWarehouse(
        database_url=settings.env(settings.DATABASE_URL),
        migration_database_url=settings.env(settings.MIGRATION_DATABASE_URL),
    )


def _warehouse_unreachable() -> str | None:
    """The pre-flight of a command that launches runs: one line saying why the warehouse cannot
    be used, before any run exists, instead of every run failing on it."""
    warehouse = _warehouse()
    try:
        return warehouse.unreachable()
    finally:
        warehouse.close()


def demo(args: argparse.Namespace) -> int:
    """Sandbox upstreams + embedded PostgreSQL + every asset over the last days, then a summary."""
    home = _prepare_home()
    print(f"Home: {home}")
    problem = _warehouse_unreachable()
    if problem is not None:
        print(f"learning-platform demo: {problem}", file=sys.stderr)
        return 1
    server = _start_sandbox(args)
    print(f"Sandbox upstreams on {server.url}")
    try:
        from learning_platform import demo_run

        days = _last_days(args.days)
        exports = _drop_exports(args, days)
        print(f"Thought Industries exports dropped: {', '.join(path.name for path in exports)}")
        outcome = demo_run.materialize_days(days)
        print(demo_run.summary(outcome))
    except KeyboardInterrupt:
        print(f"learning-platform demo: {INTERRUPTED}", file=sys.stderr)
        return INTERRUPTED_STATUS
    finally:
        server.stop()
    print(
        "\nOpen the Dagster UI on these runs with: ./run ui"
        f"\nThe embedded PostgreSQL keeps running under {home / 'postgres'} for the UI and later runs;"
        " stop it with: ./run db stop"
    )
    return 0 if outcome.success else 1


def sandbox(args: argparse.Namespace) -> int:
    """Serve the simulated upstreams until interrupted, and print the environment that points at them."""
    _prepare_home()
    server = _start_sandbox(args)
    exports = _drop_exports(args, _last_days(7))
    print(f"Sandbox upstreams on {server.url} (Ctrl-C to stop).")
    print(f"Thought Industries exports dropped: {', '.join(str(path) for path in exports)}")
    print("Point the platform at them with:\n")
    variables = server.environment()
    for name in (settings.THOUGHT_INDUSTRIES_DROP_URL, settings.PSEUDONYM_KEY):
        variables[name] = os.environ[name]
    for name, value in variables.items():
        print(f"export {name}='{value}'")
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def ui(args: argparse.Namespace) -> int:
    """The Dagster UI (dg dev) with the sandbox upstreams and the demo's instance."""
    _prepare_home()
    server = _start_sandbox(args)
    print(f"Sandbox upstreams on {server.url}; Dagster UI on http://{args.host}:{args.port}")
    # dg of this environment, whether or not its bin folder is on PATH.
    dg_command = next(
        (str(path) for path in [Path(sys.executable).with_name("dg")] if path.exists()), "dg"
    )
    command = [dg_command, "dev", "-w", str(PROJECT_ROOT / "workspace.yaml")]
    command += ["-h", args.host, "-p", str(args.port)]
    # Its own process group, so that stopping it reaches the webserver, the daemon and the code
    # server it starts too.
    child = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=os.environ.copy(),
        start_new_session=True,
        preexec_fn=_interruptible,
    )
    stopping = threading.Event()

    def stop(signum, frame) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while child.poll() is None and not stopping.is_set():
            stopping.wait(0.5)
        if child.poll() is None:
            _stop_process_group(child)
        return 0 if stopping.is_set() else child.returncode
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.stop()


def _supervise(argv: list[str]) -> int:
    """Run this command again in a session of its own, and make Ctrl-C (or SIGTERM) an interrupt
    of that process alone: the terminal's signal would also reach the code server and the run
    worker it starts, and the run would die with a traceback instead of being canceled. The
    command's process cancels its runs through the run launcher and ends with one line; a
    second Ctrl-C, or no end within the grace period, stops its whole process group."""
    child = subprocess.Popen(
        [sys.executable, "-m", "learning_platform.cli", *argv],
        env={**os.environ, SUPERVISED: "1"},
        start_new_session=True,
        preexec_fn=_interruptible,
    )
    signals = []

    def forward(signum, frame) -> None:
        signals.append(signum)
        try:
            os.kill(child.pid, signal.SIGINT)
        except ProcessLookupError:
            pass

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    deadline = None
    try:
        while child.poll() is None:
            if signals and deadline is None:
                deadline = time.monotonic() + INTERRUPT_GRACE_SECONDS
            if len(signals) > 1 or (deadline is not None and time.monotonic() > deadline):
                _stop_process_group(child, grace_seconds=5.0)
                break
            time.sleep(0.1)
        _wait_for_process_group(child.pid, grace_seconds=5.0)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return INTERRUPTED_STATUS if signals else child.returncode


def _interruptible() -> None:
    """In a child, before it starts: SIGINT does what it does by default. A command started in
    the background of a script inherits SIGINT ignored, and its children would then ignore the
    Ctrl-C it passes on to them."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _group_gone(group: int, within_seconds: float) -> bool:
    """Whether every process of the group has ended within the time given."""
    deadline = time.monotonic() + within_seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def _wait_for_process_group(group: int, grace_seconds: float) -> None:
    """Give what the group's leader left behind (a code server shutting down) time to end, then
    end it."""
    if not _group_gone(group, grace_seconds):
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _stop_process_group(child: subprocess.Popen, grace_seconds: float = 30.0) -> None:
    """Ask the child's process group to stop as Ctrl-C would (dagster dev shuts its processes down
    on SIGINT), then insist: SIGTERM, and SIGKILL after the grace period."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:
            return
        try:
            child.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            continue
        # The group's leader is gone; give the rest of the group the same signal's time.
        if _group_gone(child.pid, grace_seconds):
            return


def db(args: argparse.Namespace) -> int:
    """Warehouse chores for operators: migrations, and stopping the embedded server."""
    from learning_platform.lib.warehouse import migrations
    from learning_platform.lib.warehouse.embedded import stop_embedded

    if args.action == "stop":
        stopped = stop_embedded(settings.home())
        print("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")
        return 0

    import sqlalchemy as sa

    url = settings.env(settings.DATABASE_URL)
    # The migrating role's URL: migrations, checks and new logins are its business, not the loader's.
    target = settings.env(settings.MIGRATION_DATABASE_URL) or url or _embedded_url()
    engine = sa.create_engine(target, poolclass=sa.pool.NullPool)
    if args.action == "upgrade":
        warehouse = _warehouse()
        warehouse.ensure_ready()  # applies every pending migration, then connects as the loader
        print(f"warehouse at revision {migrations.current_revision(warehouse.engine)}")
    elif args.action == "current":  # look without migrating
        print(
            f"current: {migrations.current_revision(engine)}  head: {migrations.head_revision(target)}"
        )
    elif args.action == "check":
        changes = migrations.pending_changes(engine)
        print(
            "warehouse matches the table definitions" if not changes else f"differences: {changes}"
        )
        return 0 if not changes else 1
    elif args.action == "downgrade":
        migrations.downgrade(engine, args.revision)
        print(f"warehouse at revision {migrations.current_revision(engine)}")
    elif args.action == "add-reader":
        return _add_reader(engine, args.revision)
    return 0


def _add_reader(engine, name: str | None) -> int:
    """An analyst's login: reads `reporting`, read-only, with the reader's timeouts."""
    from learning_platform.lib.warehouse import roles

    if not name or name == "-1":
        print("db add-reader needs the login's name: learning-platform db add-reader NAME")
        return 2
    password = settings.env(settings.READER_PASSWORD)
    if password is None and engine.url.host:  # the embedded server needs none (its socket)
        password = getpass.getpass(f"password for {name}: ")
    with engine.begin() as connection:
        cursor = connection.connection.driver_connection.cursor()
        roles.add_reader(cursor, name, password)
    print(f"{name} reads the reporting schema ({', '.join(roles.reader_settings())} set)")
    return 0


def erase(args: argparse.Namespace) -> int:
    """Erase one learner from every store, for good (GDPR Art. 17): launches the erase_learner job,
    then reporting_refresh. The e-mail is keyed here and never leaves this process."""
    from learning_platform.lib.identity import Pseudonymizer, PseudonymKeyError

    _prepare_home()
    if not settings.env(settings.DATABASE_URL):
        # The embedded warehouse is the demo's and the UI's, keyed as they key it.
        os.environ.setdefault(settings.PSEUDONYM_KEY, DEMO_PSEUDONYM_KEY)
    try:
        pseudonymizer = Pseudonymizer.from_secret(settings.env(settings.PSEUDONYM_KEY))
    except PseudonymKeyError as error:
        print(f"learning-platform erase: {error}", file=sys.stderr)
        return 2
    warehouse = _warehouse()
    try:
        return _erase(args, pseudonymizer, warehouse)
    except KeyboardInterrupt:
        print(
            f"learning-platform erase: {INTERRUPTED}; run the same command again to finish the "
            "erasure (it is safe to repeat)",
            file=sys.stderr,
        )
        return INTERRUPTED_STATUS
    finally:
        warehouse.close()


def _erase(args: argparse.Namespace, pseudonymizer, warehouse) -> int:
    problem = warehouse.unreachable()
    if problem is not None:
        print(f"learning-platform erase: {problem}", file=sys.stderr)
        return 1
    learner_key = _learner_key(args, pseudonymizer, warehouse)
    from learning_platform.defs.erasure.jobs import LEARNER_KEY

    if not LEARNER_KEY.fullmatch(learner_key):
        print(
            "learning-platform erase: a learner key is 64 hexadecimal characters", file=sys.stderr
        )
        return 2

    import dagster as dg

    from learning_platform import demo_run

    instance = dg.DagsterInstance.get()
    config = {"ops": {"erase_from_every_store": {"config": {"learner_key": learner_key}}}}
    with demo_run.workspace_runs(instance) as runs:
        run = runs.run("erase_learner", {}, run_config=config, trigger="erase")
        if run.status != dg.DagsterRunStatus.SUCCESS:
            print(
                f"erase_learner run {run.run_id} {run.status.value}: see ./run ui", file=sys.stderr
            )
            return 1
        print(_erasure_summary(warehouse, run.run_id))
        if args.no_refresh:
            return 0
        refresh = runs.run("reporting_refresh", {}, trigger="erase")
    print(f"reporting_refresh run {refresh.run_id}: {refresh.status.value}")
    return 0 if refresh.status == dg.DagsterRunStatus.SUCCESS else 1


def _learner_key(args: argparse.Namespace, pseudonymizer, warehouse) -> str:
    """The key of the learner the arguments name: the e-mail's, a source id's as the directory
    keyed it, or the key itself."""
    if args.email:
        # "-": read from standard input, so that the e-mail stays out of the shell's history.
        email = sys.stdin.readline() if args.email == "-" else args.email
        return pseudonymizer.learner_key(email)
    if args.learner_key:
        return args.learner_key.strip().lower()
    source, source_id = (
        ("linkedin_learning", args.linkedin_urn)
        if args.linkedin_urn
        else ("thrive", args.thrive_user_id)
    )
    keyed = warehouse.scalar(
        "SELECT learner_key FROM directory.learner_identities"
        " WHERE source = :source AND source_learner_id = :id",
        source=source,
        id=source_id,
    )
    return str(keyed) if keyed else pseudonymizer.source_scoped_key(source, source_id)


def _erasure_summary(warehouse, run_id: str) -> str:
    with warehouse.transaction() as cursor:
        cursor.execute(
            "SELECT request_id, learner_key, rows_removed, staged_rows_removed"
            " FROM ops.erasure_requests WHERE run_id = %s",
            (run_id,),
        )
        request_id, learner_key, rows, staged = cursor.fetchone()
    return (
        f"erasure {request_id}: learner {learner_key[:12]}…, {sum(rows.values())} rows deleted "
        f"from {sum(1 for count in rows.values() if count)} table(s), {sum(staged.values())} "
        f"from {len(staged)} staged file(s); suppressed for every later load"
    )


def dbt(args: argparse.Namespace) -> int:
    """dbt itself on the reporting layer's project, against the platform's warehouse."""
    from learning_platform.defs.reporting import dbt_project

    _prepare_home()
    warehouse = _warehouse()
    warehouse.ensure_ready()
    dbt_project.write_canonical_activities()
    command = [dbt_project.DBT_EXECUTABLE, *args.dbt_arguments]
    with warehouse.dbt_environment():
        return subprocess.call(command, cwd=dbt_project.PROJECT_DIR)


def bench(args: argparse.Namespace) -> int:
    """Benchmark LinkedIn ingestion against a minimal baseline, on this machine (not a test)."""
    try:
        from learning_platform_bench.orchestrator import run
    except ModuleNotFoundError as missing:
        if missing.name != "psutil":
            raise
        print(
            "learning-platform bench needs psutil (the bench dependency group): run ./run bench",
            file=sys.stderr,
        )
        return 1
    return run(args)


def _embedded_url() -> str:
    from learning_platform.lib.warehouse.embedded import embedded_database_url

    return embedded_database_url(settings.home())


def _add_sandbox_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic organisation")
    parser.add_argument(
        "--learners", type=int, default=60, help="learners in the synthetic organisation"
    )
    parser.add_argument(
        "--sandbox-port", type=int, default=0, help="port of the sandbox (default: any free one)"
    )


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="learning-platform", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    demo_parser = commands.add_parser("demo", help=demo.__doc__)
    demo_parser.add_argument(
        "--days", type=int, default=7, help="how many recent Pacific days to load"
    )
    _add_sandbox_options(demo_parser)
    demo_parser.set_defaults(handler=demo)

    sandbox_parser = commands.add_parser("sandbox", help=sandbox.__doc__)
    _add_sandbox_options(sandbox_parser)
    sandbox_parser.set_defaults(handler=sandbox)

    ui_parser = commands.add_parser("ui", help=ui.__doc__)
    ui_parser.add_argument("--host", default="127.0.0.1")
    ui_parser.add_argument("--port", type=int, default=3000)
    _add_sandbox_options(ui_parser)
    ui_parser.set_defaults(handler=ui)

    db_parser = commands.add_parser("db", help=db.__doc__)
    db_parser.add_argument(
        "action", choices=["upgrade", "current", "check", "downgrade", "add-reader", "stop"]
    )
    db_parser.add_argument(
        "revision",
        nargs="?",
        default="-1",
        help="with downgrade: the target revision; with add-reader: the analyst's login name "
        f"(its password from {settings.READER_PASSWORD}, or asked)",
    )
    db_parser.set_defaults(handler=db)

    erase_parser = commands.add_parser("erase", help=erase.__doc__)
    who = erase_parser.add_mutually_exclusive_group(required=True)
    who.add_argument(
        "--email", help="the learner's e-mail (any case); '-' reads it from standard input"
    )
    who.add_argument("--learner-key", help="the learner's key, as the marts show it")
    who.add_argument("--linkedin-urn", help="a LinkedIn learner urn")
    who.add_argument("--thrive-user-id", help="a Thrive user id")
    erase_parser.add_argument(
        "--no-refresh",
        action="store_true",
        help="leave the marts' recomputation to the marts_after_erasure sensor",
    )
    erase_parser.set_defaults(handler=erase)

    dbt_parser = commands.add_parser("dbt", help=dbt.__doc__)
    dbt_parser.add_argument(
        "dbt_arguments", nargs=argparse.REMAINDER, help="e.g. build --select learner_summary"
    )
    dbt_parser.set_defaults(handler=dbt)

    bench_parser = commands.add_parser("bench", help=bench.__doc__)
    from learning_platform_bench import add_arguments

    add_arguments(bench_parser)
    bench_parser.set_defaults(handler=bench)
    return root


def main(argv: list[str] | None = None) -> int:
    """The command line (`argv` None: the process's own arguments), or one command called from
    Python with its `argv`, which runs in the caller's process and leaves signals to the caller."""
    from_command_line = argv is None
    argv = sys.argv[1:] if from_command_line else argv
    args = parser().parse_args(argv)
    if from_command_line and args.handler in SUPERVISED_COMMANDS and not os.environ.get(SUPERVISED):
        return _supervise(argv)
    return args.handler(args)


# The commands that launch runs, which Ctrl-C must cancel rather than kill.
SUPERVISED_COMMANDS = (demo, erase)

if __name__ == "__main__":
    sys.exit(main())
