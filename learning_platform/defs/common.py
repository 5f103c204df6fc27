"""What the sources' assets share: step retry policies and the metadata of ranged runs."""

from collections.abc import Sequence

import dagster as dg

from learning_platform.lib.http import RetryPolicy, UpstreamResponseError
from learning_platform.lib.typed_json import RecordError

# The API clients already retry each request within their budget; these re-run a step that still
# failed, later, a bounded number of times: an upstream outage or quota, a database restart.
UPSTREAM_RETRY_POLICY = dg.RetryPolicy(
    max_retries=2, delay=120, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)
WAREHOUSE_RETRY_POLICY = dg.RetryPolicy(
    max_retries=2, delay=15, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)
RETRYABLE_STATUSES = RetryPolicy().retry_statuses


def row_count(rows: int, partitions: int) -> dict:
    """A ranged run's metadata is recorded on each of its partitions, so a per-partition row count
    is only claimed when the run had one partition; the assets' per-day metadata breaks a range
    down."""
    if partitions == 1:
        return {"dagster/row_count": rows}
    return {"rows_in_run": rows, "partitions_in_run": partitions}


def partitions_label(keys: Sequence[str]) -> str:
    return f"partition {keys[0]}" if len(keys) == 1 else f"partitions {keys[0]}..{keys[-1]}"


def final_failure(error: Exception) -> dg.Failure | None:
    """The failure to raise instead of `error` when another attempt in a few minutes would not fix
    it (no step retry): a refused parameter, key or licence, or data that is wrong in itself (a
    lossy value; fetching it again brings the same). None for anything worth retrying."""
    if isinstance(error, UpstreamResponseError) and error.status not in RETRYABLE_STATUSES:
        return dg.Failure(description=str(error), allow_retries=False)
    if isinstance(error, RecordError):
        return dg.Failure(description=str(error), allow_retries=False)
    return None
