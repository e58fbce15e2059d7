"""devtools/moto_server.py 10. and 11.: a Query walks the table's items unsorted (moto sorted the
whole table once per page), and Query/Scan/BatchGetItem items go out as JSON directly (moto's
generic serializer took seconds per 1 MB page): answers and paging must be exactly moto's own,
and Scan keeps its sorted walk."""

from __future__ import annotations

import random

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoResult

from devtools import moto_server

_ORIGINAL_QUERY = Table.query  # moto's own (devtools.moto_server.install is not run in this process)


@pytest.fixture()
def client(monkeypatch):
    import os

    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:  # in-process moto, not the server
        monkeypatch.delenv(name)
    for name in ("query", "all_items", "sorted_items", "_item_comes_before_dct"):
        monkeypatch.setattr(Table, name, getattr(Table, name))  # undone after the test
    monkeypatch.setattr(Item, "size", Item.size)
    monkeypatch.setattr(moto_server.table_module, "copy", moto_server.table_module.copy)
    monkeypatch.setattr(DynamoResult, "execute_result", DynamoResult.execute_result)
    with mock_aws():
        c = boto3.client("dynamodb", region_name="ap-southeast-3")
        c.create_table(
            TableName="t", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "g", "gs")]
            + [{"AttributeName": "num", "AttributeType": "N"}],
            GlobalSecondaryIndexes=[{"IndexName": "by_g", "Projection": {"ProjectionType": "ALL"},
                                     "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                                   {"AttributeName": "gs", "KeyType": "RANGE"}]},
                                    {"IndexName": "by_num", "Projection": {"ProjectionType": "ALL"},
                                     "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                                   {"AttributeName": "num", "KeyType": "RANGE"}]}])
        rows = [(f"E#{i:03d}", sk) for i in range(60) for sk in ("E", "W")]
        random.Random(7).shuffle(rows)  # written in no key order, as an import's batches are
        for pk, sk in rows:
            item = {"pk": {"S": pk}, "sk": {"S": sk}}
            if sk == "E":  # the index's sort key repeats, so the table keys decide ties
                item |= {"g": {"S": "PROG#1"}, "gs": {"S": f"V#{int(pk[2:]) % 4}"},
                         "num": {"N": str((int(pk[2:]) * 37) % 23 - 5)}}  # numbers: 10 sorts after 2, -5 first
            if pk == "E#007":  # every attribute type on the wire
                item |= {"n": {"N": "16800"}, "b": {"B": b"\x00\xffNIK"}, "ok": {"BOOL": True}, "none": {"NULL": True},
                         "m": {"M": {"nama": {"S": "Siti Aminah"}, "l": {"L": [{"N": "1"}, {"S": "x"}]}}},
                         "ss": {"SS": ["JKK", "JKM"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": [b"a", b"\x01"]}}
            c.put_item(TableName="t", Item=item)
        yield c


def _pages(client, **query) -> list[list[str]]:
    pages, start = [], None
    while True:
        page = client.query(TableName="t", Limit=7, **query, **({"ExclusiveStartKey": start} if start else {}))
        pages.append([i["pk"]["S"] + "/" + i["sk"]["S"] for i in page["Items"]])
        start = page.get("LastEvaluatedKey")
        if not start:
            return pages


QUERIES = [
    {"IndexName": "by_g", "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "PROG#1"}}},
    {"IndexName": "by_g", "KeyConditionExpression": "g = :g", "ScanIndexForward": False,
     "ExpressionAttributeValues": {":g": {"S": "PROG#1"}}},
    {"IndexName": "by_g", "KeyConditionExpression": "g = :g AND gs = :v",
     "ExpressionAttributeValues": {":g": {"S": "PROG#1"}, ":v": {"S": "V#2"}}},
    {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "E#017"}}},
    {"IndexName": "by_num", "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "PROG#1"}}},
    {"IndexName": "by_num", "KeyConditionExpression": "g = :g AND num > :n", "ScanIndexForward": False,
     "ExpressionAttributeValues": {":g": {"S": "PROG#1"}, ":n": {"N": "3"}}},
]


def _install_walk() -> None:
    Table.all_items = moto_server._all_items
    Table.query = moto_server._unsorted_walk(Table.query)
    Table.sorted_items = moto_server._sorted_items
    Table._item_comes_before_dct = moto_server._item_comes_before_dct
    Item.size = moto_server._size_once
    moto_server.table_module.copy = moto_server._QueryResultsByReference()


@pytest.mark.parametrize("query", QUERIES)
def test_query_pages_are_moto_s_own(client, query):
    expected = _pages(client, **query)
    _install_walk()
    assert _pages(client, **query) == expected
    assert sum(map(len, expected)) in {60, 15, 2, 36}, expected


def test_a_query_does_not_sort_the_table_and_a_scan_still_does(client, monkeypatch):
    sorted_walks = []
    original = moto_server._table_all_items
    monkeypatch.setattr(moto_server, "_table_all_items", lambda table: sorted_walks.append(1) or original(table))
    _install_walk()
    _pages(client, **QUERIES[0])
    assert sorted_walks == []
    client.scan(TableName="t", Limit=5)
    assert sorted_walks


def _answers(client) -> list:
    out = []
    for query in QUERIES:
        out.append(client.query(TableName="t", **query)["Items"])
        out.append(client.query(TableName="t", Limit=3, **query).get("LastEvaluatedKey"))
    out.append(client.scan(TableName="t", Limit=9))
    keys = [{"pk": {"S": f"E#{i:03d}"}, "sk": {"S": "E"}} for i in (7, 8, 99)]
    answer = client.batch_get_item(RequestItems={"t": {"Keys": keys, "ConsistentRead": True}})
    out.append((sorted(answer["Responses"]["t"], key=lambda i: i["pk"]["S"]), answer["UnprocessedKeys"]))
    out.append(client.query(TableName="t", Select="COUNT", **QUERIES[0]))
    for answer in out:
        if isinstance(answer, dict):
            answer.pop("ResponseMetadata", None)
    return out


def test_items_as_json_give_moto_s_own_answers(client):
    expected = _answers(client)
    moto_server.DynamoResult.execute_result = moto_server._execute_result_items_as_json
    assert _answers(client) == expected
    seven = next(i for i in expected[0] if i["pk"]["S"] == "E#007")
    assert seven["b"] == {"B": b"\x00\xffNIK"} and seven["m"]["M"]["l"]["L"][0] == {"N": "1"}


def test_a_query_leaves_the_stored_items_as_they_were(client):
    """Without the deep copy the answer holds the stored items themselves: a projection or a
    filter must still never change what is stored."""
    before = client.scan(TableName="t")["Items"]
    _install_walk()
    client.query(TableName="t", ProjectionExpression="pk, m.nama", **QUERIES[0])
    client.query(TableName="t", IndexName="by_g", KeyConditionExpression="g = :g", FilterExpression="n = :n",
                 ExpressionAttributeValues={":g": {"S": "PROG#1"}, ":n": {"N": "16800"}})
    assert client.scan(TableName="t")["Items"] == before


def _both(client, own, kept, **query) -> list[str]:
    """One page through moto's own Query and through the kept partition (13.), same table state."""
    answers = []
    for walk in (own, kept):
        Table.query = walk
        page = client.query(TableName="t", **query)
        answers.append(([i["pk"]["S"] + "/" + i["sk"]["S"] for i in page["Items"]], page.get("LastEvaluatedKey")))
    assert answers[0] == answers[1], query
    return answers[0]


@pytest.mark.parametrize("query", QUERIES)
def test_kept_partitions_give_moto_s_own_pages_with_writes_between(client, monkeypatch, query):
    monkeypatch.setattr(moto_server.DynamoHandler, "call_action", moto_server._serialised)
    _install_walk()
    own = moto_server._unsorted_walk(_ORIGINAL_QUERY)
    kept = moto_server._unsorted_walk(moto_server._partition_once(_ORIGINAL_QUERY))
    writes = iter([
        lambda: client.put_item(TableName="t", Item={"pk": {"S": "E#000a"}, "sk": {"S": "E"}, "g": {"S": "PROG#1"},
                                                     "gs": {"S": "V#0"}, "num": {"N": "-9"}}),  # before the cursor
        lambda: client.delete_item(TableName="t", Key={"pk": {"S": "E#051"}, "sk": {"S": "E"}}),
        lambda: client.update_item(TableName="t", Key={"pk": {"S": "E#033"}, "sk": {"S": "E"}},  # moves in the index
                                   UpdateExpression="SET gs = :v, num = :n",
                                   ExpressionAttributeValues={":v": {"S": "V#9"}, ":n": {"N": "40"}}),
        lambda: client.transact_write_items(TransactItems=[{"Put": {"TableName": "t", "Item": {
            "pk": {"S": "E#099"}, "sk": {"S": "E"}, "g": {"S": "PROG#1"}, "gs": {"S": "V#2"}, "num": {"N": "4"}}}}]),
        lambda: client.batch_write_item(RequestItems={"t": [{"DeleteRequest": {"Key": {
            "pk": {"S": "E#002"}, "sk": {"S": "E"}}}}]}),
    ])
    start, seen = None, 0
    for n in range(40):
        items, start = _both(client, own, kept, Limit=7, **query, **({"ExclusiveStartKey": start} if start else {}))
        seen += len(items)
        if n % 2:
            next(writes, lambda: None)()
        if not start:
            break
    assert seen > 0


def test_a_partition_is_walked_once_until_the_next_write(client, monkeypatch):
    monkeypatch.setattr(moto_server.DynamoHandler, "call_action", moto_server._serialised)
    walks = []
    original = moto_server._all_items_unsorted
    monkeypatch.setattr(moto_server, "_all_items_unsorted", lambda table: walks.append(1) or original(table))
    _install_walk()
    Table.query = moto_server._unsorted_walk(moto_server._partition_once(_ORIGINAL_QUERY))
    pages = _pages(client, **QUERIES[0])
    assert len(pages) == 9 and len(walks) == 1
    client.get_item(TableName="t", Key={"pk": {"S": "E#001"}, "sk": {"S": "E"}})  # a read keeps it
    _pages(client, **QUERIES[0])
    assert len(walks) == 1
    client.put_item(TableName="t", Item={"pk": {"S": "X"}, "sk": {"S": "E"}})  # any write ends it
    assert _pages(client, **QUERIES[0]) == pages
    assert len(walks) == 2
