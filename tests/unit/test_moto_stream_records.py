"""devtools/moto_server.py 12. and the dispatcher's raw stream read: GetRecords answers as JSON
directly (moto's generic serializer took ~4 s per 1,000 records) and must be moto's own answer
record for record; the dispatcher takes the records as the wire has them (DynamoDB JSON, as
Lambda's event source mapping hands them to a function), not through botocore's parser."""

from __future__ import annotations

import base64
import os

import boto3
import pytest
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

from devtools import dispatcher, moto_server

REGION = "us-east-1"
EVERY_TYPE = {"pk": {"S": "E#1"}, "sk": {"S": "E"}, "n": {"N": "16800"}, "b": {"B": b"\x00\xffNIK"},
              "ok": {"BOOL": True}, "none": {"NULL": True}, "ss": {"SS": ["JKK", "JKM"]}, "ns": {"NS": ["1", "2"]},
              "bs": {"BS": [b"a", b"\x01"]},
              "m": {"M": {"nama": {"S": "Siti Aminah"}, "l": {"L": [{"N": "1"}, {"S": "x"}]}}}}


@pytest.fixture()
def stream(monkeypatch):
    # a moto server in this process (mock_aws routes DynamoDB Streams calls to DynamoDB's handler)
    from moto.server import ThreadedMotoServer

    monkeypatch.setattr(DynamoDBStreamsHandler, "get_records", DynamoDBStreamsHandler.get_records)
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


def _read(client, arn: str, limit: int | None = None) -> tuple[list[dict], str]:
    shard = client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = client.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                         ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
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
