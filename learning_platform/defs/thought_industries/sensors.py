"""The drop sensor: turns each new, complete Thought Industries export into a partition and a run."""

import dagster as dg

from learning_platform.defs.shared.automation import default_sensor_status
from learning_platform.defs.thought_industries.jobs import thought_industries_drops
from learning_platform.defs.thought_industries.partitions import drop_file_partitions
from learning_platform.defs.thought_industries.resources import ThoughtIndustriesDrops
from learning_platform.lib.thought_industries.drops import WatchState, look

SENSOR_NAME = "thought_industries_drop_sensor"


@dg.sensor(
    name=SENSOR_NAME,
    job=thought_industries_drops,
    minimum_interval_seconds=30,
    default_status=default_sensor_status(),
    description=(
        "Watches THOUGHT_INDUSTRIES_DROP_URL. A .csv export is taken once its size and modification "
        "time are unchanged between two ticks; it becomes a partition of thought_industries/"
        "content_actions and a run loads it. A file taken before runs again only if its bytes "
        "changed. A listing that fails skips the tick; it never means 'no files'."
    ),
)
def thought_industries_drop_sensor(
    context: dg.SensorEvaluationContext, thought_industries_drops: ThoughtIndustriesDrops
):
    folder = thought_industries_drops.folder
    state = WatchState.from_cursor(context.cursor)
    try:
        listing = folder.list()
    except Exception as error:  # an unreachable bucket or share: try again next tick
        return dg.SkipReason(f"could not list {folder.url}: {type(error).__name__}: {error}")
    seen = look(listing, state)
    for name in seen.unusable:
        context.log.warning(
            f"{name}: not taken, the name cannot be a partition key (it holds '...' or a control character)"
        )
    known = set(context.instance.get_dynamic_partitions(drop_file_partitions.name))
    runs, new_partitions = [], []
    for dropped in seen.ready:
        try:
            digest = folder.sha256(dropped.name)
        except FileNotFoundError:
            continue  # gone since the listing
        previous = state.taken.get(dropped.name)
        state.taken[dropped.name] = [*dropped.stamp, digest]
        if previous is not None and previous[2] == digest:
            continue  # touched, but the same bytes: already loaded
        if dropped.name not in known:
            new_partitions.append(dropped.name)
        runs.append(
            dg.RunRequest(
                # The same file with the same bytes is one run, however often it is seen.
                run_key=f"{dropped.name}@{digest}",
                partition_key=dropped.name,
                tags={"thought_industries/content_sha256": digest},
            )
        )
    if seen.waiting:
        context.log.info(
            f"waiting for {len(seen.waiting)} file(s) to stop changing: {seen.waiting[:10]}"
        )
    return dg.SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=(
            [drop_file_partitions.build_add_request(new_partitions)] if new_partitions else []
        ),
        cursor=state.to_cursor(),
        skip_reason=None
        if runs
        else f"no new complete export ({len(seen.waiting)} still changing)",
    )
