"""How steps retry: the step retry policies every source uses, and the failures that no retry
can fix, raised so that Dagster does not try."""

from collections.abc import Iterator
from contextlib import contextmanager

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


def final_failure(error: Exception) -> dg.Failure | None:
    """The failure to raise instead of `error` when another attempt in a few minutes would not fix
    it (no step retry): a refused parameter, key or licence, or data that is wrong in itself (a
    lossy value; fetching it again brings the same). None for anything worth retrying."""
    if isinstance(error, UpstreamResponseError) and error.status not in RETRYABLE_STATUSES:
        return dg.Failure(description=str(error), allow_retries=False)
    if isinstance(error, RecordError):
        return dg.Failure(description=str(error), allow_retries=False)
    return None


@contextmanager
def no_retry_for_final_failures() -> Iterator[None]:
    """Around a fetch: what `final_failure` says no retry can fix fails the step for good;
    everything else is raised as it is, for the step's retry policy."""
    try:
        yield
    except Exception as error:
        failure = final_failure(error)
        if failure is not None:
            raise failure from error
        raise
