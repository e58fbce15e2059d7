"""The programme summary kept from the table's stream, and the one Query that recounts it.

Items (main table):
- kept summary  PK: R#<regency>#P#<pid>#SUMMARY  SK: SUMMARY
  `counts` (JSON), `version` (every write is conditional on the version it read), `updated_at`,
  `source` (kept | recount).
- applied mark  PK: R#<regency>#SUMEVT#<stream eventID>  SK: SUMEVT, `expires_at` (TTL, 2 days:
  past the stream's 24 h retention no record can come again).

Why a mark per change and not "the last sequence number per shard": a Lambda event from a
DynamoDB stream names the stream, not the shard, and sequence numbers of sibling shards are not
comparable. So each change is applied in the same transaction that writes its mark with
`attribute_not_exists`: a batch delivered again, whole or bisected, finds its marks and changes
nothing; a batch that failed half-way is applied for exactly the changes whose marks are missing.
One transaction carries the summary and up to 99 marks.

A change is an enrolment item's image before and after (None where it did not count: not yet
created, deleted, erased). An image counts when it carries `g_prog`, the key of the sparse
`by_programme` index the recount reads, so the two ways agree by construction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError
from pynamodb.exceptions import DoesNotExist

from chalicelib import aws, config
from chalicelib.store import db, keys
from chalicelib.store.models import EnrolmentModel, SummarySnapshotModel

_FIELDS = ["category", "district_code", "village_code", "status", "extra"]
MARK_DAYS = 2
PER_TRANSACTION = 99  # + the summary item = DynamoDB's 100
_deserialize = TypeDeserializer().deserialize


@dataclass(frozen=True)
class Kept:
    counts: dict
    updated_at: str
    version: int
    source: str


@dataclass(frozen=True)
class Change:
    """One stream record of an enrolment: its counted fields before and after."""

    event_id: str
    regency: str
    pid: str
    before: dict | None
    after: dict | None


def records(regency: str, pid: str) -> Iterator[dict]:
    """Every live enrolment of the programme (the index is sparse: deleted ones are not in it)."""
    for m in EnrolmentModel.by_programme.query(keys.prog(regency, pid), attributes_to_get=_FIELDS):
        row = {name: getattr(m, name) for name in _FIELDS}
        row["extra"] = row["extra"].as_dict() if row["extra"] is not None else {}
        yield row


def get(regency: str, pid: str) -> Kept | None:
    try:
        m = SummarySnapshotModel.get(keys.summary(regency, pid), "SUMMARY", consistent_read=True)
    except DoesNotExist:
        return None
    return Kept(m.counts, m.computed_at, int(m.version or 0), m.source or "kept")


def replace(regency: str, pid: str, counts: dict, at: str, read_version: int) -> bool:
    """The repair: the recount becomes the kept summary (marks stay: changes already applied are
    in the records the recount read), only if the kept summary is still at the version read before
    the recount began. False when the aggregator applied a change meanwhile: the recount may or may
    not hold that change, so writing it could lose or double it; the caller counts again."""
    item = _summary_put(regency, pid, counts, at, read_version, source="recount")["Put"]
    try:
        aws.client("dynamodb").put_item(**item)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _image(image: dict | None) -> dict | None:
    if not image or "g_prog" not in image:
        return None
    row = {name: _deserialize(image[name]) if name in image else None for name in _FIELDS}
    row["extra"] = row["extra"] or {}
    return row


def changes(stream_records: Iterable[dict]) -> list[Change]:
    """The enrolment changes in a batch of stream records (Lambda's shape), in stream order; other
    items (workers, markers, audit, this summary itself) are not counted and are left out."""
    out = []
    for record in stream_records:
        ddb = record.get("dynamodb") or {}
        key = ddb.get("Keys") or {}
        if key.get("sk") != {"S": "E"} or "#E#" not in key.get("pk", {}).get("S", ""):
            continue
        before, after = _image(ddb.get("OldImage")), _image(ddb.get("NewImage"))
        if before is None and after is None:
            continue
        image = ddb.get("NewImage") or ddb.get("OldImage")
        if before is not None and after is not None and before == after:
            continue  # a change of a field the summary does not count
        out.append(Change(record["eventID"], image["regency"]["S"], image["programme_id"]["S"], before, after))
    return out


def _mark(regency: str, event_id: str, expires_at: int) -> dict:
    return {"Put": {"TableName": config.main_table(),
                    "Item": {"pk": {"S": f"R#{regency}#SUMEVT#{event_id}"}, "sk": {"S": "SUMEVT"},
                             "expires_at": {"N": str(expires_at)}},
                    "ConditionExpression": "attribute_not_exists(pk)"}}


def _summary_put(regency: str, pid: str, counts: dict, at: str, version: int, source: str = "kept") -> dict:
    item = {"pk": {"S": keys.summary(regency, pid)}, "sk": {"S": "SUMMARY"},
            "counts": {"S": json.dumps(counts, separators=(",", ":"), sort_keys=True)},
            "computed_at": {"S": at}, "version": {"N": str(version + 1)}, "source": {"S": source}}
    put: dict = {"TableName": config.main_table(), "Item": item}
    if version:
        put["ConditionExpression"] = "version = :v"
        put["ExpressionAttributeValues"] = {":v": {"N": str(version)}}
    else:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    return {"Put": put}


def apply(regency: str, pid: str, batch: list[Change], fold: Callable[[dict | None, list[Change]], dict],
          at: str, now_epoch: int, attempts: int = 20) -> int:
    """Apply `batch` (one programme's changes) to its kept summary exactly once; returns how many
    were new. `fold(counts, changes)` makes the new counts (None: no summary kept yet)."""
    applied = 0
    for start in range(0, len(batch), PER_TRANSACTION):
        applied += _apply_chunk(regency, pid, batch[start:start + PER_TRANSACTION], fold, at,
                                now_epoch + MARK_DAYS * 86400, attempts)
    return applied


def _apply_chunk(regency: str, pid: str, chunk: list[Change], fold, at: str, expires_at: int, attempts: int) -> int:
    done: set[str] = set()  # event ids whose marks exist: applied before
    for _ in range(attempts):
        pending = [c for c in chunk if c.event_id not in done]
        if not pending:
            return 0
        kept = get(regency, pid)
        counts = fold(kept.counts if kept else None, pending)
        items = [_summary_put(regency, pid, counts, at, kept.version if kept else 0)]
        items += [_mark(regency, c.event_id, expires_at) for c in pending]
        try:
            db.transact_items(items, "summary delta")
            return len(pending)
        except ClientError as exc:
            codes = db.cancellation_codes(exc)
            if not codes:
                raise
            done |= {c.event_id for c, code in zip(pending, codes[1:], strict=False)
                     if code == "ConditionalCheckFailed"}
            # codes[0] failed too: another writer moved the summary on; read it again
    raise db.Busy(db.RETRY_AFTER)


def stream_arn() -> str | None:
    """The main table's stream (the local dispatcher reads it as Lambda's event source mapping does)."""
    return aws.client("dynamodb").describe_table(TableName=config.main_table())["Table"].get("LatestStreamArn")
