"""The learner's right to erasure, as a job: `erase_learner` takes a learner key (never an e-mail:
run config is kept forever in Dagster's storage), removes the learner from the warehouse and the
staged files, and suppresses them for every later load; the marts are then recomputed by
`reporting_refresh`, which the reporting location's run-status sensor `marts_after_erasure`
requests after each successful erasure (`learning-platform erase` runs it at once).
"""

import re
import uuid
from datetime import UTC, datetime

import dagster as dg
from pydantic import Field

from learning_platform.defs.shared.resources import PostgresWarehouse, PseudonymKey, StagingStore
from learning_platform.lib import erasure
from learning_platform.lib.linkedin_learning.load import LEARNER_COLUMNS as LINKEDIN
from learning_platform.lib.suppression import suppression_keys
from learning_platform.lib.thought_industries.load import LEARNER_COLUMNS as THOUGHT_INDUSTRIES
from learning_platform.lib.thrive.load import LEARNER_COLUMNS as THRIVE

# Every table, and the staged files it is loaded from, that names a learner.
HOLDERS = (*LINKEDIN.values(), *THRIVE.values(), THOUGHT_INDUSTRIES)
LEARNER_KEY = re.compile(r"[0-9a-f]{64}")


class ErasureConfig(dg.Config):
    learner_key: str = Field(
        description="The learner's key (reporting.learner_summary.learner_key): "
        "`learning-platform erase --email ...` computes it from the e-mail."
    )


@dg.op(
    description="Delete the learner from every source table, the directory and the marts, and "
    "suppress their keys (one transaction); rewrite the staged files that hold them; record the "
    "request in ops.erasure_requests without the e-mail."
)
def erase_from_every_store(
    context: dg.OpExecutionContext,
    config: ErasureConfig,
    warehouse: PostgresWarehouse,
    staging: StagingStore,
    pseudonym_key: PseudonymKey,
) -> dg.Output[str]:
    learner_key = config.learner_key.strip().lower()
    if not LEARNER_KEY.fullmatch(learner_key):
        raise dg.Failure("learner_key must be 64 hexadecimal characters (an HMAC-SHA256)")
    pseudonymizer = pseudonym_key.pseudonymizer()
    request_id = uuid.uuid4()
    requested_at = datetime.now(UTC)
    with warehouse.transaction() as cursor:
        learner = erasure.find_learner(cursor, pseudonymizer, learner_key, HOLDERS)
        keys = suppression_keys(pseudonymizer, learner_key, learner.ids)
        removed = erasure.erase_from_warehouse(
            cursor,
            learner,
            keys,
            HOLDERS,
            request_id=request_id,
            requested_at=requested_at,
            run_id=context.run_id,
        )
    context.log.info(
        f"erasure {request_id}: {sum(removed.values())} rows deleted from the warehouse, "
        f"{len(keys)} key(s) suppressed"
    )
    staged = erasure.erase_from_staging(staging.area, learner, HOLDERS)
    with warehouse.transaction() as cursor:
        erasure.complete(cursor, request_id, staged)
    context.log.info(
        f"erasure {request_id}: {sum(staged.values())} rows removed from {len(staged)} staged file(s)"
    )
    return dg.Output(
        str(request_id),
        metadata={
            "request_id": str(request_id),
            "learner_key": learner_key,
            "keys_suppressed": len(keys),
            "rows_removed": dg.MetadataValue.json(removed),
            "staged_rows_removed": dg.MetadataValue.json(staged),
        },
    )


@dg.job(
    description="Erase one learner (GDPR Art. 17) from the warehouse and the staged files, for "
    "good: every later load leaves them out. Launch it with `learning-platform erase`, or here "
    "with the learner key; reporting_refresh then recomputes the marts."
)
def erase_learner():
    erase_from_every_store()
