"""moto's server, with two local-stack adjustments; usage is that of `python -m moto.server`
(devtools/emulator.py starts it).

1. DynamoDB made isolated, as DynamoDB itself is. moto runs each request on its own thread, and
   its TransactWriteItems snapshots the whole table, applies the items and, when a condition
   fails, puts the snapshot back. Two transactions at once can therefore undo each other (found
   by tests/integration/test_concurrent_patches.py: 8 writers racing on one enrolment left 11
   audit events for 6 accepted writes). Real DynamoDB transactions are atomic and isolated, so
   DynamoDB calls are serialised here; the other services (SQS long polls, S3, ...) stay
   concurrent.
2. An item is checked against DynamoDB's 400 KB limit once, not once per attribute. moto's
   `LimitedSizeDict.__setitem__` re-measures the whole item on every attribute it sets, so
   building one item costs O(attributes^2) size computations (~1 ms for a 40-attribute
   enrolment, more than everything else DynamoDB does with it here), which made the emulator's
   cost per *item* dominate every bulk-write measurement (bench/run.py). `_item_init` builds the
   same dict and applies the same limit (405,000 bytes, the same ItemSizeTooLarge) to the whole
   item once: the total is at least any partial sum, so it rejects exactly what moto rejected.
   Later updates of a stored item still go through moto's own check.
3. A transaction backs up the items it touches, not the whole table. moto's TransactWriteItems
   deep-copies the entire table once per item of the transaction so it can roll back: O(table)
   per write. With ~100,000 items (the benchmark's table after an import) a 3-item transaction
   took longer than PynamoDB's read timeout, the client retried a transaction that then
   committed, and the retry met its own write (PROGRAMME_CODE_TAKEN in `make bench`); it also
   made conditional claims in imports unusable locally. `_transact_write_items` keeps a copy of
   each touched item (or notes its absence), lets moto run the transaction with the table copy
   turned into a reference, and on any failure puts exactly those items back, which is the
   same outcome as restoring the table, because DynamoDB calls are serialised (1.).
5. Eventually consistent GSIs, on request. With LINDUNG_GSI_DELAY_SECONDS=<s> (e.g. 1) a Query
   or Scan on a global secondary index does not see an item written (put, updated, deleted and
   re-put, in a batch or a transaction) less than <s> seconds ago, the way DynamoDB's GSIs lag
   their table. Base-table reads stay immediate (strongly consistent when asked). Unset or 0:
   indexes are consistent at once, as moto makes them. The CI runs the integration suite once
   with it on (`make test-eventual`), so code that reads an index right after writing shows up.
7. `GET /moto-api/lindung/receives.json`: how many SQS ReceiveMessage calls are open now, per
   queue name (a long poll stays open up to its WaitTimeSeconds). Tests wait on it instead of
   sleeping, e.g. "the dispatcher is inside a long poll" (tests/integration/test_dispatcher.py).
8. The table's stream as DynamoDB keeps it (infra/tables.yaml turns it on; the local dispatcher
   reads it). A transaction moto cancels half-way has already appended stream records for the
   items it wrote before the failing one, then (3.) puts those items back: the records stay,
   describing changes that never happened. `_transact_write_items_by_item` cuts them off again,
   so the stream holds exactly the committed changes (DynamoDB calls are serialised, 1.). moto
   keeps every record forever, as nested dicts of both images (~25 KB of emulator memory per
   enrolment change); DynamoDB keeps 24 hours. Here a record is kept as its JSON text (~1-2 KB)
   for 24 hours, and past LINDUNG_STREAM_KEEP records (default 3,000,000, a province's import;
   a memory guard) the oldest half goes. A read of trimmed records is refused as DynamoDB
   Streams refuses it, TrimmedDataAccessException (GetShardIterator at or after a trimmed
   sequence number, GetRecords with an iterator behind the trim): a reader that fell behind is
   told, never handed the oldest record kept as if nothing were missing.
10. A Query does not sort the whole table. moto's Query walks `Table.all_items()`, which sorts
   every item of the table by its keys (DynamoType comparisons in Python), and then sorts the
   matching items again by the index's own keys; it does so for every page. On the benchmark's
   table (~110,000 items after a 26,775-row roster) that is seconds per 1 MB page, and the
   roster export (18+ pages over by_programme) outlasted any time limit. A Query now gets the
   items unsorted (the result order is decided by its own sort, which includes the table keys,
   so it is unchanged); Scan keeps the sorted walk its paging relies on. The Query's own sort and
   its walk to the page's ExclusiveStartKey compare plain key values (str, Decimal, bytes)
   instead of DynamoType objects (each comparison cast both values again), and an item's size,
   which moto measures twice per item returned, is measured once per Query. Nor does a Query
   deep-copy the items it returns (~1 ms per enrolment): what follows in moto (index and
   expression projections, filters, the answer) makes new items or only reads them.
11. Items go out as JSON directly. moto 5.2 writes every response through a generic serializer
   that walks botocore's shape model per attribute of every item (~17 ms per 30-attribute
   enrolment: a 1 MB Query page of 1,500 enrolments took ~8 s to *serialise*, the Query itself
   0.5 s). For Query, Scan and BatchGetItem the rest of the answer (counts, keys, capacity,
   unprocessed keys) still goes through moto's serializer; the items, which are already DynamoDB
   JSON, are put into that answer with json.dumps (binary values base64, as the wire has them).
13. A Query finds its GSI partition once between writes. moto's Query walks every item of the
   table to find the partition, sorts it, and walks it again from the start to the page's
   ExclusiveStartKey, for every page: a 26,775-row roster export (18 pages over by_programme in a
   table of ~110,000 items) spent ~20 s in the emulator. Now the partition of a forward Query on a
   GSI with one hash and one range key is kept, sorted as moto sorts it, until the next request
   that is not a read (any DynamoDB action outside _READ_ACTIONS, counted under the lock of 1.),
   and a page starts at its ExclusiveStartKey by bisection. moto's own code still does the rest
   (key conditions, Limit, the 1 MB page, filters, projections, LastEvaluatedKey; 5.'s GSI lag),
   on exactly the items it would have reached: the answers are moto's own
   (tests/unit/test_moto_query_walk.py compares them page by page, with writes in between).
4. One read-only endpoint listing what moto recorded as sent. `GET /moto-api/data.json` already
   exposes the recorded SMS (sns.SMS) and emails (ses.RawMessage), but it serialises every model
   instance ever created (seconds per call, growing through a test session).
   `GET /moto-api/lindung/sent.json` returns just those, from the same objects.
9. SNS's account SMS rate, on request. With LINDUNG_SNS_MPS=<n> (e.g. 20, SNS's default transactional
   MPS) Publish to a phone number beyond <n> a second (a token bucket holding one second's worth)
   answers Throttling (400 "Rate exceeded"), as SNS does; `sent.json` counts them (`sms_throttled`).
   bench/sweep.py measures the sweep against that rate's floor.
12. Stream records go out as JSON directly too (11. for DynamoDB Streams' GetRecords): moto's
   serializer walked every attribute of both images of up to 1,000 records per call, ~4 s a call
   (12 GetRecords for a 2,000-row import's 10,521 records took 52 s), so the kept summary trailed
   an import by minutes. The answer is the same document, joined from the texts 8. keeps: Records
   (images in DynamoDB JSON, ApproximateCreationDateTime as epoch seconds, as the wire has it)
   and NextShardIterator.
"""

from __future__ import annotations

import base64
import bisect
import copy
import json
import os
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import moto.dynamodb.models as dynamodb_models
import moto.server as moto_server
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models import DynamoDBBackend, dynamo_type
from moto.dynamodb.models import table as table_module
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import StreamShard, Table
from moto.dynamodb.models.utilities import bytesize
from moto.dynamodb.responses import DynamoHandler, DynamoResult
from moto.dynamodbstreams.models import DynamoDBStreamsBackend, ShardIterator
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from moto.moto_api._internal import mock_random

SENT_PATH = "/moto-api/lindung/sent.json"
_DYNAMODB = threading.RLock()
_call_action = DynamoHandler.call_action


_DYNAMODB_REQUESTS = [0]  # DynamoDB API calls served (sent.json's dynamodb_requests, for bench/sweep.py)


def _serialised(self: DynamoHandler):
    _DYNAMODB_REQUESTS[0] += 1  # under the GIL; a lost increment would only blur a bench figure
    if _CONFLICTS.on:
        return _with_conflicts(self)
    with _DYNAMODB:
        return _call_action_counted(self)


# 13.: DynamoDB actions that change no item; every other one ends the kept Query partitions
_READ_ACTIONS = frozenset({"Query", "Scan", "GetItem", "BatchGetItem", "TransactGetItems", "DescribeTable",
                           "ListTables", "DescribeTimeToLive", "DescribeContinuousBackups", "ListTagsOfResource",
                           "DescribeLimits", "DescribeEndpoints"})
_WRITES = [0]  # requests that may have changed an item, counted under _DYNAMODB


def _call_action_counted(self: DynamoHandler):
    if (self.headers.get("X-Amz-Target") or "").rpartition(".")[2] not in _READ_ACTIONS:
        _WRITES[0] += 1
    return _call_action(self)


class _Conflicts:
    """6. DynamoDB's TransactionConflict, which the serialisation (1.) otherwise makes impossible.

    Off unless switched on (`POST /moto-api/lindung/conflicts?on=1`, `?on=0`; GET reads it and
    the count): then a TransactWriteItems names its items as in flight *before* it queues for the
    lock and releases them after it ran, and a transaction that names an item already in flight
    is cancelled at once with `TransactionConflict` on that item (and "None" on the others),
    as DynamoDB cancels transactions that touch an item another one is writing. A PutItem,
    UpdateItem or DeleteItem of an in-flight item gets `TransactionConflictException`. So
    concurrent writers meet the cancellations AWS documents, and tests see the code's answer
    to them (tests/integration/test_concurrent_patches.py).
    """

    def __init__(self) -> None:
        self.on = False
        self.raised = 0
        self.lock = threading.Lock()
        self.in_flight: set[tuple] = set()


_CONFLICTS = _Conflicts()
CONFLICTS_PATH = "/moto-api/lindung/conflicts"
_SINGLE_WRITES = {"PutItem": "Item", "UpdateItem": "Key", "DeleteItem": "Key"}


def _item_key(backend: DynamoDBBackend, table_name: str, item: dict) -> tuple:
    table = backend.tables.get(table_name)
    attrs = (table.hash_key_attr, table.range_key_attr) if table is not None else tuple(sorted(item))
    return (table_name, *(json.dumps(item.get(a), sort_keys=True) for a in attrs if a))


def _transaction_keys(backend: DynamoDBBackend, body: dict) -> list[tuple | None]:
    keys: list[tuple | None] = []
    for entry in body.get("TransactItems", []):
        key = None
        for op_type, op in entry.items():
            named = op.get("Item") if op_type == "Put" else op.get("Key")
            if isinstance(named, dict):
                key = _item_key(backend, op.get("TableName", ""), named)
        keys.append(key)
    return keys


def _cancelled(exc) -> tuple:
    return exc.code, {"Content-Type": "application/x-amz-json-1.0", "status": exc.code}, exc.description


def _with_conflicts(self: DynamoHandler):
    from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException, TransactionCanceledException

    action = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
    try:
        body = json.loads(self.body or "{}")
    except ValueError:
        body = {}
    if action == "TransactWriteItems":
        keys = _transaction_keys(self.dynamodb_backend, body)
        with _CONFLICTS.lock:
            busy = [k is not None and k in _CONFLICTS.in_flight for k in keys]
            if any(busy):
                _CONFLICTS.raised += 1
                return _cancelled(TransactionCanceledException(
                    [("TransactionConflict", "Transaction is ongoing for the item", None) if b else (None, None, None)
                     for b in busy]))
            mine = {k for k in keys if k is not None}
            _CONFLICTS.in_flight |= mine
        try:
            with _DYNAMODB:
                return _call_action_counted(self)
        finally:
            with _CONFLICTS.lock:
                _CONFLICTS.in_flight -= mine
    if action in _SINGLE_WRITES and isinstance(body.get(_SINGLE_WRITES[action]), dict):
        key = _item_key(self.dynamodb_backend, body.get("TableName", ""), body[_SINGLE_WRITES[action]])
        with _CONFLICTS.lock:
            if key in _CONFLICTS.in_flight:
                _CONFLICTS.raised += 1
                return _cancelled(DynamodbException(ERROR_TYPE_PREFIX + "TransactionConflictException",
                                                    "Transaction is ongoing for the item"))
    with _DYNAMODB:
        return _call_action_counted(self)


def _item_init(self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict) -> None:
    self.hash_key = hash_key
    self.range_key = range_key
    values = {key: DynamoType(value) for key, value in attrs.items()}
    size = sum(bytesize(key) + value.size() for key, value in values.items())
    if size > 405000:  # moto's limit (LimitedSizeDict.__setitem__)
        raise ItemSizeTooLarge
    self.attrs = LimitedSizeDict()
    for key, value in values.items():
        dict.__setitem__(self.attrs, key, value)


class _TablesByReference:
    """Stands in for the `copy` module inside moto.dynamodb.models: a Table "copy" is the table
    itself (the transaction's backup is kept per item instead); anything else is copied."""

    @staticmethod
    def deepcopy(value: Any, memo: dict | None = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


_transact_write_items = DynamoDBBackend.transact_write_items
_Touched = list[tuple[Table, DynamoType, DynamoType | None, Item | None]]


def _touched(backend: DynamoDBBackend, transact_items: list[dict]) -> _Touched:
    """(table, hash, range, copy of the stored item or None) for every item a transaction names."""
    touched: _Touched = []
    for entry in transact_items:
        for op_type, op in entry.items():
            table = backend.tables.get(op.get("TableName", ""))
            if table is None:
                continue  # moto answers ResourceNotFound before it writes anything
            key = op.get("Item") if op_type == "Put" else op.get("Key")
            if not key or table.hash_key_attr not in key:
                continue  # refused by moto's own validation
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in (key or {}) else None
            stored = table.get_item(hash_value, range_value) if range_value or not table.has_range_key else None
            touched.append((table, hash_value, range_value, copy.deepcopy(stored)))
    return touched


def _restore(touched: _Touched) -> None:
    for table, hash_value, range_value, stored in reversed(touched):
        if range_value is None:
            if stored is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = stored
        elif stored is None:
            table.items[hash_value].pop(range_value, None)
        else:
            table.items[hash_value][range_value] = stored


def _transact_write_items_by_item(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    touched = _touched(self, transact_items)
    streams = {id(t.stream_shard): (t.stream_shard, t.stream_shard.starting_sequence_number + len(t.stream_shard.items))
               for t, *_ in touched if t.stream_shard is not None}
    try:
        return _transact_write_items(self, transact_items)
    except Exception:
        _restore(touched)
        for shard, next_seq in streams.values():  # 8.: no record of a change that was undone
            del shard.items[max(0, next_seq - shard.starting_sequence_number):]
        raise


# ---- 8. the stream: kept like DynamoDB's 24 hours, compactly
_shard_add = StreamShard.add
STREAM_RETENTION_SECONDS = 24 * 3600  # DynamoDB Streams keeps a record 24 hours


class TrimmedDataAccess(JsonRESTError):
    """DynamoDB Streams' answer to a read of records already trimmed from the shard."""

    def __init__(self, sequence_number: int, oldest: int):
        super().__init__("TrimmedDataAccessException",
                         f"Sequence number {sequence_number} is older than the oldest record kept ({oldest}): "
                         "the records between were trimmed from the shard")


def stream_keep() -> int:
    return int(os.environ.get("LINDUNG_STREAM_KEEP") or 3_000_000)


def _stream_record(self: StreamShard, old: Item | None, new: Item | None, seq: int, created: float) -> str:
    """moto's StreamRecord (eventID, eventName, Keys, images by the view type, SizeBytes as moto
    estimates it), written once as the wire has it: a JSON text of ~1-2 KB instead of nested dicts
    of both images, which held ~25 KB per enrolment change in the emulator."""
    view = self.table.stream_specification["StreamViewType"]  # type: ignore[index]
    rec = old if old is not None else new
    keys = {self.table.hash_key_attr: rec.hash_key.to_json()}  # type: ignore[union-attr]
    if self.table.range_key_attr is not None:
        keys[self.table.range_key_attr] = rec.range_key.to_json()  # type: ignore[union-attr]
    ddb: dict[str, Any] = {"StreamViewType": view, "ApproximateCreationDateTime": created,
                           "SequenceNumber": str(seq), "SizeBytes": 1, "Keys": keys}
    if view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") and new is not None:
        ddb["NewImage"] = new.to_json()["Attributes"]
    if view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") and old is not None:
        ddb["OldImage"] = old.to_json()["Attributes"]
    ddb["SizeBytes"] = len(json.dumps(ddb, default=_wire, separators=(",", ":")))
    name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
    return json.dumps({"eventID": mock_random.uuid4().hex, "eventName": name, "eventSource": "aws:dynamodb",
                       "eventVersion": "1.0", "awsRegion": self.table.region_name, "dynamodb": ddb},
                      default=_wire, separators=(",", ":"))


def _shard_add_kept(self: StreamShard, old: Item | None, new: Item | None) -> None:
    if self.table.lambda_event_source_mappings:  # moto's own Lambda wiring (not used here) needs its records
        return _shard_add(self, old, new)
    created = int(time.time() * 1000) / 1000  # milliseconds, as the wire has it
    seq = len(self.items) + self.starting_sequence_number
    self.items.append((created, _stream_record(self, old, new, seq, created)))
    if self.items[0][0] < created - STREAM_RETENTION_SECONDS or len(self.items) > stream_keep():
        horizon = created - STREAM_RETENTION_SECONDS
        drop = max(bisect.bisect_left(self.items, horizon, key=lambda kept: kept[0]),
                   len(self.items) - stream_keep() // 2)  # a cut costs O(kept): over the cap, in halves
        self.items = self.items[drop:]
        self.starting_sequence_number += drop


def _shard_iterator_at(self: DynamoDBStreamsBackend, arn: str, shard_id: str, shard_iterator_type: str,
                       sequence_number: int | None = None):
    """GetShardIterator at or after a sequence number already trimmed: TrimmedDataAccessException."""
    if shard_iterator_type in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER") and sequence_number is not None:
        shard = self._get_table_from_arn(arn).stream_shard
        first = int(sequence_number) + (shard_iterator_type == "AFTER_SEQUENCE_NUMBER")
        if shard is not None and first < shard.starting_sequence_number:
            raise TrimmedDataAccess(first, shard.starting_sequence_number)
    return _get_shard_iterator(self, arn, shard_id, shard_iterator_type, sequence_number)


_get_shard_iterator = DynamoDBStreamsBackend.get_shard_iterator


# ---- 5. eventually consistent GSIs
_now = time.monotonic  # the unit test moves this clock instead of sleeping
_table_put_item, _table_delete_item = Table.put_item, Table.delete_item
_backend_update_item = DynamoDBBackend.update_item
_table_query, _table_scan = Table.query, Table.scan


def gsi_delay() -> float:
    return float(os.environ.get("LINDUNG_GSI_DELAY_SECONDS") or 0)


def _stamp(table: Table, item: Item | None) -> None:
    if item is not None:
        written = table.__dict__.setdefault("_lindung_written", {})
        written[_key(item)] = _now()


def _key(item: Item) -> tuple[str, str]:
    return (str(item.hash_key.value), str(item.range_key.value) if item.range_key is not None else "")


def _put_item_stamped(self: Table, *args: Any, **kwargs: Any) -> Item:
    item = _table_put_item(self, *args, **kwargs)
    _stamp(self, item)
    return item


def _delete_item_stamped(self: Table, *args: Any, **kwargs: Any) -> Item | None:
    item = _table_delete_item(self, *args, **kwargs)
    _stamp(self, item)
    return item


def _update_item_stamped(self: DynamoDBBackend, table_name: str, *args: Any, **kwargs: Any) -> Item:
    item = _backend_update_item(self, table_name, *args, **kwargs)
    _stamp(self.get_table(table_name), item)
    return item


def _settled(table: Table, index_name: str | None, items: list[Item]) -> list[Item]:
    """The items a GSI has caught up with: those not written within the last gsi_delay() seconds."""
    delay = gsi_delay()
    if not index_name or delay <= 0 or index_name not in {i.name for i in table.global_indexes or []}:
        return items
    written = table.__dict__.get("_lindung_written", {})
    horizon = _now() - delay
    return [i for i in items if written.get(_key(i), horizon) <= horizon]


def _query_eventual(self: Table, *args: Any, **kwargs: Any):
    items, scanned, last = _table_query(self, *args, **kwargs)
    index_name = kwargs.get("index_name", args[7] if len(args) > 7 else None)
    return _settled(self, index_name, items), scanned, last


def _scan_eventual(self: Table, *args: Any, **kwargs: Any):
    items, scanned, last = _table_scan(self, *args, **kwargs)
    index_name = kwargs.get("index_name", args[4] if len(args) > 4 else None)
    return _settled(self, index_name, items), scanned, last


def install_eventual_gsis() -> None:
    """5.: stamp every write; Query/Scan on a GSI leave out items stamped within the delay."""
    Table.put_item = _put_item_stamped
    Table.delete_item = _delete_item_stamped
    DynamoDBBackend.update_item = _update_item_stamped
    Table.query = _query_eventual
    Table.scan = _scan_eventual


# ---- 7. open SQS receives
RECEIVES_PATH = "/moto-api/lindung/receives.json"
_RECEIVES: dict[str, int] = {}
_RECEIVES_LOCK = threading.Lock()
_sqs_receive = None


def _counted_receive(self, queue_name: str, *args: Any, **kwargs: Any):
    with _RECEIVES_LOCK:
        _RECEIVES[queue_name] = _RECEIVES.get(queue_name, 0) + 1
    try:
        return _sqs_receive(self, queue_name, *args, **kwargs)
    finally:
        with _RECEIVES_LOCK:
            _RECEIVES[queue_name] -= 1


def install_receive_count() -> None:
    global _sqs_receive
    from moto.sqs.models import SQSBackend

    if _sqs_receive is None:
        _sqs_receive = SQSBackend.receive_message
        SQSBackend.receive_message = _counted_receive


_SNS_LOCK = threading.Lock()
_SNS_BUCKET = {"tokens": 0.0, "at": 0.0, "throttled": 0}


def sns_mps() -> float:
    return float(os.environ.get("LINDUNG_SNS_MPS") or 0)


def _sns_allowed(rate: float) -> bool:
    with _SNS_LOCK:
        now = time.monotonic()
        b = _SNS_BUCKET
        b["tokens"] = rate if not b["at"] else min(rate, b["tokens"] + (now - b["at"]) * rate)
        b["at"] = now
        if b["tokens"] >= 1:
            b["tokens"] -= 1
            return True
        b["throttled"] += 1
        return False


def install_sns_rate() -> None:
    from moto.sns.exceptions import SNSException
    from moto.sns.models import SNSBackend

    class Throttled(SNSException):
        code = "Throttling"
        message = "Rate exceeded"

    publish = SNSBackend.publish
    rate = sns_mps()

    def limited(self, message: str, *args: Any, phone_number: str | None = None, **kwargs: Any):
        if phone_number and not _sns_allowed(rate):
            raise Throttled()
        return publish(self, message, *args, phone_number=phone_number, **kwargs)

    SNSBackend.publish = limited


# ---- 10. a Query does not sort the whole table
_table_all_items = Table.all_items
_QUERYING = threading.local()


def _all_items(self: Table) -> list[Item]:
    if not getattr(_QUERYING, "on", False):
        return _table_all_items(self)
    candidates = getattr(_QUERYING, "candidates", None)
    if candidates is not None:
        return candidates  # 13.: the partition from the page's start, in moto's order
    return _all_items_unsorted(self)


def _unsorted_walk(query):
    def walk(self: Table, *args: Any, **kwargs: Any):
        _QUERYING.on, _QUERYING.sizes = True, {}
        try:
            return query(self, *args, **kwargs)
        finally:
            _QUERYING.on, _QUERYING.sizes = False, None

    return walk


def _plain(value: DynamoType) -> Any:
    """A key attribute's value as DynamoType compares it (cast_value) for the key types S, N, B."""
    return Decimal(value.value) if value.type == "N" else value.value


def _sorted_items(self: Table, hash_key_attrs: list[str], range_key_attrs: list[str | None],
                  items: list[Item]) -> list[Item]:
    if getattr(_QUERYING, "candidates", None) is not None:
        return items  # 13.: sorted when the partition was kept
    attrs = self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs)
    items.sort(key=lambda x: tuple(_plain(x.attrs[key]) for key in attrs))
    return items


def _item_comes_before_dct(self: Table, item: Item, dct: dict[str, Any], hash_key_attrs: list[str],
                           range_key_attrs: list[str | None], scan_index_forward: bool) -> bool:
    """moto's own rule (the first key attribute that differs decides), on plain values."""
    for attr in self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs):
        if attr in item.attrs:
            mine, theirs = item.attrs[attr], DynamoType(dct.get(attr))
            if mine.type != theirs.type or _plain(mine) != _plain(theirs):
                return (_plain(mine) < _plain(theirs)) == scan_index_forward
    return True


class _QueryResultsByReference:
    """Stands in for the `copy` module inside moto.dynamodb.models.table: during a Query the
    result list's deep copy is a plain list of the same items; anything else is copied."""

    copy = staticmethod(copy.copy)

    @staticmethod
    def deepcopy(value: Any, memo: dict | None = None) -> Any:
        if getattr(_QUERYING, "on", False) and isinstance(value, list) and all(isinstance(i, Item) for i in value):
            return list(value)
        return copy.deepcopy(value, memo)


_item_size = Item.size


def _size_once(self: Item) -> int:
    sizes = getattr(_QUERYING, "sizes", None)
    if sizes is None:
        return _item_size(self)
    size = sizes.get(id(self))
    if size is None:
        size = sizes[id(self)] = _item_size(self)
    return size


# ---- 13. a Query finds its GSI partition once between writes
def _partition_from(table: Table, index_name: str | None, hash_key_conditions: list | None,
                    range_key_conditions: list | None, forward: bool, start_key: dict | None) -> list[Item] | None:
    """The GSI partition's items from the page's start on, sorted as moto sorts them; None when
    the Query is not of the kind kept (then moto walks the table as ever)."""
    index = next((i for i in table.global_indexes or [] if i.name == index_name), None)
    if index is None or not forward or not hash_key_conditions or len(hash_key_conditions) != 1 \
            or len(range_key_conditions or []) > 1:
        return None
    hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
    ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
    if len(hashes) != 1 or len(ranges) != 1 or hash_key_conditions[0][0] != hashes[0]:
        return None
    expected = hash_key_conditions[0][1]
    attrs = table._generate_attr_to_sort_by([hashes[0], table.hash_key_attr], [ranges[0], table.range_key_attr])
    kept = table.__dict__.setdefault("_lindung_partitions", {})
    if kept.get("writes") != _WRITES[0]:
        kept.clear()
        kept["writes"] = _WRITES[0]
    entry = kept.get((index_name, expected.type, expected.value))
    if entry is None:
        want, hash_name, range_name = _plain(expected), hashes[0], ranges[0]
        items = [item for item in _all_items_unsorted(table)
                 if (value := item.attrs.get(hash_name)) is not None and value.type == expected.type
                 and _plain(value) == want and item.attrs.get(range_name) is not None]
        try:
            keyed = sorted(((tuple(_plain(i.attrs[a]) for a in attrs), i) for i in items), key=lambda pair: pair[0])
        except (TypeError, KeyError):  # mixed key types or a key attribute missing: moto's own walk
            return None
        entry = kept[(index_name, expected.type, expected.value)] = ([k for k, _ in keyed], [i for _, i in keyed])
    sort_keys, items = entry
    if not start_key:
        return items
    try:
        start = bisect.bisect_right(sort_keys, tuple(_plain(DynamoType(start_key[a])) for a in attrs))
    except (TypeError, KeyError):
        return None
    return items[start:]


def _all_items_unsorted(table: Table) -> list[Item]:
    """Every item of the table in storage order (moto's all_items sorts a whole table first)."""
    if not table.range_key_attr:
        return list(table.items.values())  # type: ignore[arg-type]
    return [item for hash_set in table.items.values() for item in hash_set.values()]


def _partition_once(query):
    def run(self: Table, hash_key, range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward,
            projection_expressions, index_name=None, consistent_read=False, filter_expression=None,
            hash_key_conditions=None, range_key_conditions=None, **filter_kwargs: Any):
        candidates = _partition_from(self, index_name, hash_key_conditions, range_key_conditions,
                                     scan_index_forward is not False, exclusive_start_key)
        if candidates is not None:
            exclusive_start_key = None  # the candidates start after it already
        _QUERYING.candidates = candidates
        try:
            return query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                         scan_index_forward, projection_expressions, index_name, consistent_read, filter_expression,
                         hash_key_conditions=hash_key_conditions, range_key_conditions=range_key_conditions,
                         **filter_kwargs)
        finally:
            _QUERYING.candidates = None

    return run


# ---- 11. items go out as JSON directly
_execute_result = DynamoResult.execute_result


def _wire(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _execute_result_items_as_json(self: DynamoResult, context: Any):
    result = self.result
    operation = context.operation_model.name
    if not isinstance(result, dict):
        return _execute_result(self, context)
    if operation in {"Query", "Scan"} and isinstance(result.get("Items"), list):
        items, skeleton = result["Items"], {**result, "Items": []}
        path = ("Items",)
    elif operation == "BatchGetItem" and isinstance(result.get("Responses"), dict):
        items, skeleton = result["Responses"], {**result, "Responses": {}}
        path = ("Responses",)
    else:
        return _execute_result(self, context)
    shell = ActionResult(skeleton)
    status, headers, body = shell.execute_result(context)
    if status != 200:
        return status, headers, body
    document = json.loads(body)
    document[path[0]] = items
    return status, headers, json.dumps(document, default=_wire, separators=(",", ":"))


def _get_records_as_json(self: DynamoDBStreamsHandler) -> str:
    """GetRecords from the kept texts (8.): up to Limit records from the iterator's position, and the
    next iterator (after the last record, or at the same place when there were none), as moto's."""
    limit = self._get_param("Limit")
    iterator = self.backend.shard_iterators[self._get_param("ShardIterator")]
    shard = iterator.stream_shard
    if shard.items and not isinstance(shard.items[0], tuple):  # moto's own records (its Lambda wiring)
        return _get_records_moto_shape(self.backend.get_records(iterator.arn, 1000 if limit is None else limit))
    with _DYNAMODB:  # the records and the shard's first number together (a write may trim them)
        first = shard.starting_sequence_number
        if iterator.sequence_number < first:
            raise TrimmedDataAccess(iterator.sequence_number, first)
        start = iterator.sequence_number - first
        texts = [text for _, text in shard.items[start:start + (1000 if limit is None else int(limit))]]
    if texts:
        after = ShardIterator(self.backend, shard, "AFTER_SEQUENCE_NUMBER", iterator.sequence_number + len(texts) - 1)
    else:
        after = ShardIterator(self.backend, shard, "AT_SEQUENCE_NUMBER", iterator.sequence_number)
    self.backend.shard_iterators[after.arn] = after
    return '{"Records":[' + ",".join(texts) + '],"NextShardIterator":' + json.dumps(after.arn) + "}"


def _get_records_moto_shape(result: dict) -> str:
    records = []
    for record in result["Records"]:
        ddb = record["dynamodb"]
        created = ddb.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            created = created.replace(tzinfo=created.tzinfo or UTC)
            seconds = int(created.timestamp() * 1000) / 1000  # milliseconds, as moto's serializer writes it
            record = {**record, "dynamodb": {**ddb, "ApproximateCreationDateTime": seconds}}
        records.append(record)
    return json.dumps({"Records": records, "NextShardIterator": result["NextShardIterator"]}, default=_wire,
                      separators=(",", ":"))


def install() -> None:
    """Apply the DynamoDB adjustments (1., 2., 3., 8., 10.-13., and 5. when LINDUNG_GSI_DELAY_SECONDS is set)
    and the SQS receive count (7.)."""
    install_receive_count()
    DynamoHandler.call_action = _serialised
    dynamo_type.Item.__init__ = _item_init
    dynamodb_models.copy = _TablesByReference()
    DynamoDBBackend.transact_write_items = _transact_write_items_by_item
    StreamShard.add = _shard_add_kept
    DynamoDBStreamsBackend.get_shard_iterator = _shard_iterator_at
    if gsi_delay() > 0:
        install_eventual_gsis()
    if sns_mps() > 0:
        install_sns_rate()
    Table.all_items = _all_items
    Table.query = _unsorted_walk(_partition_once(Table.query))
    Table.sorted_items = _sorted_items
    Table._item_comes_before_dct = _item_comes_before_dct
    Item.size = _size_once
    table_module.copy = _QueryResultsByReference()
    DynamoResult.execute_result = _execute_result_items_as_json
    DynamoDBStreamsHandler.get_records = _get_records_as_json


def sent() -> dict:
    from moto.ses.models import Message, RawMessage
    from moto.sns.models import SMS

    return {
        "sms": [{"message_id": m.message_id, "phone_number": m.phone_number, "message": m.message}
                for m in SMS.instances_tracked],
        "sms_throttled": _SNS_BUCKET["throttled"],
        "dynamodb_requests": _DYNAMODB_REQUESTS[0],
        "raw_emails": [{"id": m.id, "source": m.source, "destinations": list(m.destinations), "raw_data": m.raw_data}
                       for m in RawMessage.instances_tracked],
        "emails": [{"id": m.id, "source": m.source, "subject": m.subject, "body": m.body,
                    "destinations": m.destinations} for m in Message.instances_tracked],
    }


class _WithSentLog(moto_server.DomainDispatcherApplication):
    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == CONFLICTS_PATH:
            from urllib.parse import parse_qs

            if environ.get("REQUEST_METHOD") == "POST":
                _CONFLICTS.on = parse_qs(environ.get("QUERY_STRING", "")).get("on", ["0"])[0] == "1"
            body = json.dumps({"on": _CONFLICTS.on, "raised": _CONFLICTS.raised}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if environ.get("PATH_INFO") in (SENT_PATH, RECEIVES_PATH):
            with _RECEIVES_LOCK:
                receives = {q: n for q, n in _RECEIVES.items() if n}
            body = json.dumps(sent() if environ["PATH_INFO"] == SENT_PATH else receives).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return super().__call__(environ, start_response)


def main() -> None:
    install()
    moto_server.DomainDispatcherApplication = _WithSentLog
    moto_server.main()


if __name__ == "__main__":
    main()
