"""devtools/moto_server.py 8. and 12., and the dispatcher's raw stream read: GetRecords answers
as JSON directly (moto's generic serializer took ~4 s per 1,000 records) and must be moto's own
answer record for record; the stream keeps each record as its JSON text for DynamoDB's 24 hours
(or up to LINDUNG_STREAM_KEEP) and refuses a read of trimmed records as DynamoDB Streams does;
the dispatcher takes the records as the wire has them (DynamoDB JSON, as Lambda's event source
mapping hands them to a function), not through botocore's parser."""

from __future__ import annotations

import base64
import json
import os
import time

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models.table import StreamRecord, StreamShard
from moto.dynamodbstreams.models import DynamoDBStreamsBackend
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

from devtools import dispatcher, moto_server

REGION = "us-east-1"
EVERY_TYPE = {"pk": {"S": "E#1"}, "sk": {"S": "E"}, "n": {"N": "16800"}, "b": {"B": b"\x00\xffNIK"},
              "ok": {"BOOL": True}, "none": {"NULL": True}, "ss": {"SS": ["JKK", "JKM"]}, "ns": {"NS": ["1", "2"]},
              "bs": {"BS": [b"a", b"\x01"]},
              "m": {"M": {"nama": {"S": "Siti Aminah"}, "l": {"L": [{"N": "1"}, {"S": "x"}]}}}}


@pytest.fixture()
def kept(monkeypatch):
    """8. on: the stream keeps texts, and refuses reads of trimmed records. Returns moto's own
    record (StreamRecord) of each change, made beside the kept text, to compare with."""
    own: list[dict] = []

    def add(shard, old, new):
        view = shard.table.stream_specification["StreamViewType"]
        name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
        seq = len(shard.items) + shard.starting_sequence_number
        own.append(StreamRecord(shard.table, view, name, old, new, seq).to_json())
        moto_server._shard_add_kept(shard, old, new)

    monkeypatch.setattr(StreamShard, "add", add)
    monkeypatch.setattr(DynamoDBStreamsBackend, "get_shard_iterator", moto_server._shard_iterator_at)
    monkeypatch.setattr(DynamoDBStreamsHandler, "get_records", moto_server._get_records_as_json)
    return own


@pytest.fixture()
def stream(request, monkeypatch):
    # a moto server in this process (mock_aws routes DynamoDB Streams calls to DynamoDB's handler)
    from moto.server import ThreadedMotoServer

    monkeypatch.setattr(DynamoDBStreamsHandler, "get_records", DynamoDBStreamsHandler.get_records)
    if "kept" in request.fixturenames:
        request.getfixturevalue("kept")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    import requests

    requests.post(f"http://{host}:{port}/moto-api/reset", timeout=10)  # moto's backends live on in this process
    try:
        ddb = boto3.client("dynamodb", region_name=REGION)
        arn = ddb.create_table(
            TableName="t", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]["LatestStreamArn"]
        ddb.put_item(TableName="t", Item=EVERY_TYPE)
        ddb.put_item(TableName="t", Item={"pk": {"S": "E#2"}, "sk": {"S": "E"}, "status": {"S": "draft"}})
        ddb.update_item(TableName="t", Key={"pk": {"S": "E#2"}, "sk": {"S": "E"}}, UpdateExpression="SET #s = :a",
                        ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":a": {"S": "active"}})
        ddb.delete_item(TableName="t", Key={"pk": {"S": "E#1"}, "sk": {"S": "E"}})
        yield arn
    finally:
        server.stop()


def _read(client, arn: str, limit: int | None = None, **where: str) -> tuple[list[dict], str]:
    shard = client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = client.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                         **(where or {"ShardIteratorType": "TRIM_HORIZON"}))["ShardIterator"]
    answer = client.get_records(ShardIterator=iterator, **({"Limit": limit} if limit else {}))
    return answer["Records"], answer["NextShardIterator"]


def test_records_as_json_give_moto_s_own_answer(stream):
    client = boto3.client("dynamodbstreams", region_name=REGION)
    own, _ = _read(client, stream)
    DynamoDBStreamsHandler.get_records = moto_server._get_records_as_json
    fast, iterator = _read(client, stream)
    assert [r["eventName"] for r in own] == ["INSERT", "INSERT", "MODIFY", "REMOVE"]
    assert fast == own  # every attribute type, both images, keys, sequence numbers, creation time
    assert client.get_records(ShardIterator=iterator)["Records"] == []  # the next iterator goes on after them
    assert [r["dynamodb"]["SequenceNumber"] for r in _read(client, stream, limit=2)[0]] == \
        [r["dynamodb"]["SequenceNumber"] for r in own[:2]]


def test_the_dispatcher_reads_records_as_the_wire_has_them(stream):
    DynamoDBStreamsHandler.get_records = moto_server._get_records_as_json
    parsed, _ = _read(boto3.client("dynamodbstreams", region_name=REGION), stream)
    raw_client = boto3.client("dynamodbstreams", region_name=REGION)
    raw_client.meta.events.register("before-parse.dynamodb-streams.GetRecords", dispatcher._records_as_json)
    raw, iterator = _read(raw_client, stream)
    image = raw[0]["dynamodb"]["NewImage"]
    assert image["b"] == {"B": base64.b64encode(b"\x00\xffNIK").decode()}  # base64 text, as in a Lambda event
    assert image["bs"] == {"BS": [base64.b64encode(v).decode() for v in (b"a", b"\x01")]}
    assert {k: v for k, v in image.items() if k not in {"b", "bs"}} == \
        {k: v for k, v in EVERY_TYPE.items() if k not in {"b", "bs"}}
    assert raw[2]["dynamodb"]["OldImage"]["status"] == {"S": "draft"}
    assert raw[2]["dynamodb"]["NewImage"]["status"] == {"S": "active"}
    assert raw[3]["dynamodb"]["Keys"] == {"pk": {"S": "E#1"}, "sk": {"S": "E"}} and "NewImage" not in raw[3]["dynamodb"]
    for r, p in zip(raw, parsed, strict=True):
        assert r["dynamodb"]["SequenceNumber"] == p["dynamodb"]["SequenceNumber"]
        assert r["dynamodb"]["ApproximateCreationDateTime"] == p["dynamodb"]["ApproximateCreationDateTime"].timestamp()
    assert iterator  # the rest of the answer is still botocore's


def test_an_error_answer_is_left_to_botocore():
    error = {"status_code": 400, "body": b'{"__type":"ExpiredIteratorException","message":"expired"}'}
    custom: dict = {}
    dispatcher._records_as_json(response_dict=error, customized_response_dict=custom)
    assert custom == {} and error["body"] == b'{"__type":"ExpiredIteratorException","message":"expired"}'
    empty = {"status_code": 200, "body": b'{"Records":[],"NextShardIterator":"x"}'}
    dispatcher._records_as_json(response_dict=empty, customized_response_dict=custom)
    assert custom == {"Records": []} and b"NextShardIterator" in empty["body"] and b"Records" not in empty["body"]



def _comparable(records: list[dict]) -> list[dict]:
    """Records without what differs by nature: the random eventID, the creation time, moto's size
    estimate (its own JSON with spaces)."""
    out = []
    for r in records:
        ddb = {k: v for k, v in r["dynamodb"].items() if k not in {"ApproximateCreationDateTime", "SizeBytes"}}
        out.append({**{k: v for k, v in r.items() if k != "eventID"}, "dynamodb": ddb})
    return out


def test_kept_texts_give_moto_s_own_records(stream, kept):
    client = boto3.client("dynamodbstreams", region_name=REGION)
    parsed, iterator = _read(client, stream)
    own = [{**r, "dynamodb": {k: v for k, v in r["dynamodb"].items() if k != "ApproximateCreationDateTime"}}
           for r in kept]
    assert [r["eventName"] for r in parsed] == ["INSERT", "INSERT", "MODIFY", "REMOVE"]
    assert len({r["eventID"] for r in parsed}) == 4
    raw_client = boto3.client("dynamodbstreams", region_name=REGION)
    raw_client.meta.events.register("before-parse.dynamodb-streams.GetRecords", dispatcher._records_as_json)
    raw, _ = _read(raw_client, stream)
    assert _comparable(raw) == _comparable(json.loads(json.dumps(own, default=moto_server._wire)))
    assert all(r["dynamodb"]["SizeBytes"] > 50 for r in raw)
    created = [r["dynamodb"]["ApproximateCreationDateTime"] for r in parsed]
    assert all(abs(c.timestamp() - time.time()) < 60 for c in created)  # botocore parses it as a time
    assert client.get_records(ShardIterator=iterator)["Records"] == []  # the next iterator goes on after them
    two, after_two = _read(client, stream, limit=2)
    assert [r["dynamodb"]["SequenceNumber"] for r in two] == [r["dynamodb"]["SequenceNumber"] for r in parsed[:2]]
    assert [r["eventName"] for r in client.get_records(ShardIterator=after_two)["Records"]] == ["MODIFY", "REMOVE"]
    at = _read(client, stream, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
               SequenceNumber=parsed[1]["dynamodb"]["SequenceNumber"])[0]
    assert [r["eventName"] for r in at] == ["MODIFY", "REMOVE"]


def _write(n: int) -> None:
    ddb = boto3.client("dynamodb", region_name=REGION)
    for i in range(n):
        ddb.put_item(TableName="t", Item={"pk": {"S": f"E#x{i}"}, "sk": {"S": "E"}})


def test_a_reader_behind_the_trim_is_told_as_dynamodb_streams_tells_it(stream, kept, monkeypatch):
    monkeypatch.setenv("LINDUNG_STREAM_KEEP", "10")
    client = boto3.client("dynamodbstreams", region_name=REGION)
    first, behind = _read(client, stream, limit=1)  # a reader at the second record, then 20 writes
    _write(20)
    with pytest.raises(ClientError) as refused:
        client.get_records(ShardIterator=behind)
    assert refused.value.response["Error"]["Code"] == "TrimmedDataAccessException"
    with pytest.raises(ClientError) as refused:
        _read(client, stream, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
              SequenceNumber=first[0]["dynamodb"]["SequenceNumber"])
    assert refused.value.response["Error"]["Code"] == "TrimmedDataAccessException"
    oldest, _ = _read(client, stream)  # TRIM_HORIZON: the oldest record kept, and all after it
    assert 5 <= len(oldest) <= 10 and oldest[-1]["dynamodb"]["Keys"]["pk"] == {"S": "E#x19"}
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in oldest]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))  # nothing lost after the horizon
    assert numbers[0] > int(first[0]["dynamodb"]["SequenceNumber"]) + 1


def test_records_are_kept_24_hours(stream, kept, monkeypatch):
    client = boto3.client("dynamodbstreams", region_name=REGION)
    start, _ = _read(client, stream)
    assert len(start) == 4
    later = time.time() + moto_server.STREAM_RETENTION_SECONDS - 60
    monkeypatch.setattr(moto_server.time, "time", lambda: later)
    _write(1)
    assert len(_read(client, stream)[0]) == 5  # a day less a minute: all kept
    monkeypatch.setattr(moto_server.time, "time", lambda: later + 120)
    _write(1)
    kept_now, _ = _read(client, stream)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in kept_now] == ["E#x0", "E#x0"]  # the day-old four trimmed


def test_the_dispatcher_says_when_records_were_trimmed_before_it_read_them(stream, kept, monkeypatch):
    from chalice import Chalice

    handled: list[str] = []
    app = Chalice("trim")

    @app.on_dynamodb_record(stream_arn=stream, batch_size=3)
    def follow(event):
        handled.extend(r.keys["pk"]["S"] for r in event)

    monkeypatch.setattr(dispatcher.Dispatcher, "_stream_arn", lambda self: stream)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", os.environ["AWS_ENDPOINT_URL"])  # a client of its own
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setattr(dispatcher, "_POSITIONS", {})
    dispatcher._streams_client.cache_clear()
    try:
        follower = dispatcher.Dispatcher(type("module", (), {"app": app, "follow": follow}), strict=True,
                                         workers=1)
        assert follower.drain_stream() == 4 and handled == ["E#1", "E#2", "E#2", "E#1"]
        _write(2)
        assert follower.drain_stream() == 2  # goes on from its iterator: the two new ones only
        monkeypatch.setenv("LINDUNG_STREAM_KEEP", "10")
        _write(30)  # the follower did not read while these came: the shard kept the last 5-10
        with pytest.raises(dispatcher.HandlerFailed, match="trimmed before they were read"):
            follower.drain_stream()
        assert handled[-1] == "E#x29" and 5 <= len(handled) - 6 <= 10  # then on from the oldest kept record
        _write(1)
        assert follower.drain_stream() == 1  # and on as before, nothing failed
    finally:
        dispatcher._streams_client.cache_clear()
