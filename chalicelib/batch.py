"""SQS batches with partial-failure reporting (powertools BatchProcessor).

Only messages whose handler raised are reported in `batchItemFailures`; the event source mapping
redelivers those alone when ReportBatchItemFailures is on (infra/overlays/functions.yaml turns it on,
Chalice does not). Handlers are idempotent anyway, so a whole redelivered batch is safe too.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from chalice.app import SQSEvent


def process(event: SQSEvent, handle: Callable[[dict], object]) -> dict:
    # imported here: powertools' batch utility pulls asyncio (~40 ms of cold start) and only the
    # SQS functions use it; the API function imports this module too and never calls it
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event.to_dict(),
                                    record_handler=lambda record: handle(json.loads(record.body)),
                                    processor=processor, context=event.context)
