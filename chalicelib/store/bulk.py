"""Bulk primitives for imports: BatchGetItem, BatchWriteItem, and conditional puts in
transactions of 100 (for the items whose key must be claimed), with retries and backoff.

Items are PynamoDB models serialised to DynamoDB JSON, sent with the plain boto3 client so the
batching, retry and backoff are visible here (and countable by the benchmarks). BatchWriteItem
cannot carry a condition: see services.imports for how uniqueness still holds.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.models import Model

from chalicelib import aws, config
from chalicelib.store import db

WRITE_BATCH = 25
GET_BATCH = 100
CLAIM_BATCH = 100  # TransactWriteItems' limit
WRITERS = 8  # BatchWriteItem calls in flight at once (boto3 clients are thread-safe)
_ATTEMPTS = 8


def _pause(attempt: int) -> None:
    """Exponential backoff with full jitter (50 ms .. 3.2 s)."""
    time.sleep(random.uniform(0, min(3.2, 0.05 * 2**attempt)))


def _key(item: dict) -> tuple[str, str]:
    return item["pk"]["S"], item["sk"]["S"]


def put_all(models: Iterable[Model], writers: int = WRITERS) -> int:
    """BatchWriteItem in 25s, up to `writers` calls at once; unprocessed items are retried with
    backoff, never dropped; the first batch that still fails raises once the others are done."""
    client, table = aws.client("dynamodb"), config.main_table()
    items = [{"PutRequest": {"Item": model.serialize()}} for model in models]
    batches = [items[i:i + WRITE_BATCH] for i in range(0, len(items), WRITE_BATCH)]
    if writers <= 1 or len(batches) <= 1:
        return sum(_write(client, table, batch) for batch in batches)
    with ThreadPoolExecutor(max_workers=writers, thread_name_prefix="batch-write") as pool:
        futures = [pool.submit(_write, client, table, batch) for batch in batches]
        return sum(f.result() for f in futures)


def _write(client, table: str, batch: list[dict]) -> int:
    pending = batch
    for attempt in range(_ATTEMPTS):
        pending = client.batch_write_item(RequestItems={table: pending}).get("UnprocessedItems", {}).get(table, [])
        if not pending:
            return len(batch)
        _pause(attempt)
    raise RuntimeError(f"BatchWriteItem left {len(pending)} items unprocessed after {_ATTEMPTS} attempts")


def put_new(models: Iterable[Model], or_same: str | None = None) -> set[tuple[str, str]]:
    """Put each item only if its key is free: TransactWriteItems of up to 100 Puts, each with
    `attribute_not_exists(pk)`. Returns the (pk, sk) keys found taken; those items are not written.
    `or_same`: an attribute (string) that may also match, e.g. a KPJ owner marker is free or
    already this NIK's (`OR nik = <the item's nik>`).

    A transaction writes all or nothing: when some keys are taken it is cancelled with a reason
    per item, the taken ones are dropped and the rest sent again. Conflicts with another
    transaction on the same item and throttling are retried by `db.transact_items` (the one
    transaction helper), which raises Busy when they do not stop: the chunk's message then
    goes back to the queue and is delivered again.
    """
    table = config.main_table()
    items = [model.serialize() for model in models]
    taken: set[tuple[str, str]] = set()
    for start in range(0, len(items), CLAIM_BATCH):
        pending = items[start:start + CLAIM_BATCH]
        while pending:
            try:
                db.transact_items([_claim(table, item, or_same) for item in pending], "import.claims")
                break
            except ClientError as exc:
                codes = db.cancellation_codes(exc)
                lost = {i for i, code in enumerate(codes) if code == "ConditionalCheckFailed"}
                if not lost:
                    raise
                taken |= {_key(pending[i]) for i in lost}  # progress: drop what is taken, send the rest
                pending = [item for i, item in enumerate(pending) if i not in lost]
    return taken


def _claim(table: str, item: dict, or_same: str | None) -> dict:
    if or_same is None:
        return {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
    return {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk) OR #s = :s",
                    "ExpressionAttributeNames": {"#s": or_same}, "ExpressionAttributeValues": {":s": item[or_same]}}}


def get_all(keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """BatchGetItem in 100s (consistent reads); returns raw items by (pk, sk)."""
    client, table = aws.client("dynamodb"), config.main_table()
    found: dict[tuple[str, str], dict] = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), GET_BATCH):
        pending = {table: {"Keys": [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in unique[start:start + GET_BATCH]],
                           "ConsistentRead": True}}
        for attempt in range(_ATTEMPTS):
            response = client.batch_get_item(RequestItems=pending)
            for item in response.get("Responses", {}).get(table, []):
                found[_key(item)] = item
            pending = response.get("UnprocessedKeys") or {}
            if not pending:
                break
            _pause(attempt)
        else:
            raise RuntimeError("BatchGetItem left keys unprocessed")
    return found


_RAW = threading.local()


def _keep_raw(response_dict: dict, customized_response_dict: dict, **_: Any) -> None:
    """botocore's before-parse hook, for query_raw's calls only: the answer's JSON as DynamoDB sent
    it. botocore's parser walks its shape model once per attribute value (~0.6 ms an enrolment,
    more than the emulator's whole Query); the items are DynamoDB JSON already, as put_all and
    get_all handle them. The parser is then handed an empty document; errors are parsed as ever."""
    if getattr(_RAW, "on", False) and response_dict.get("status_code") == 200:
        customized_response_dict.update(json.loads(response_dict["body"]))
        response_dict["body"] = b"{}"


def query_raw(params: dict[str, Any]) -> Iterator[dict]:
    """Every item of a Query, page after page (DynamoDB's own 1 MB pages), as DynamoDB JSON.
    `params`: the Query's parameters without TableName."""
    client = aws.client("dynamodb")
    client.meta.events.register("before-parse.dynamodb.Query", _keep_raw, unique_id="lindung-query-raw")
    params = {"TableName": config.main_table(), **params}
    while True:
        _RAW.on = True
        try:
            page = client.query(**params)
        finally:
            _RAW.on = False
        yield from page.get("Items", [])
        if not page.get("LastEvaluatedKey"):
            return
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
