"""devtools/moto_server.py, LINDUNG_GSI_DELAY_SECONDS: a GSI lags its table by the delay, as
DynamoDB's do; the base table does not. The emulator's clock is moved, never slept on."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

from devtools import moto_server


@pytest.fixture()
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(moto_server, "_now", lambda: now[0])
    return now


@pytest.fixture()
def client(monkeypatch, clock):
    import os

    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:  # in-process moto, not the server
        monkeypatch.delenv(name)
    monkeypatch.setenv("LINDUNG_GSI_DELAY_SECONDS", "1")
    for cls, name in ((Table, "put_item"), (Table, "delete_item"), (Table, "query"), (Table, "scan"),
                      (DynamoDBBackend, "update_item")):
        monkeypatch.setattr(cls, name, getattr(cls, name))  # undone after the test
    moto_server.install_eventual_gsis()
    with mock_aws():
        c = boto3.client("dynamodb", region_name="ap-southeast-3")
        c.create_table(
            TableName="t", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "g")],
            GlobalSecondaryIndexes=[{"IndexName": "by_g", "Projection": {"ProjectionType": "ALL"},
                                     "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                                   {"AttributeName": "sk", "KeyType": "RANGE"}]}],
            LocalSecondaryIndexes=[{"IndexName": "by_sk_g", "Projection": {"ProjectionType": "ALL"},
                                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                  {"AttributeName": "g", "KeyType": "RANGE"}]}])
        yield c


def _gsi(client) -> list[str]:
    items = client.query(TableName="t", IndexName="by_g", KeyConditionExpression="g = :g",
                         ExpressionAttributeValues={":g": {"S": "G"}})["Items"]
    return sorted(i["sk"]["S"] for i in items)


def _gsi_scan(client) -> list[str]:
    return sorted(i["sk"]["S"] for i in client.scan(TableName="t", IndexName="by_g")["Items"])


def test_a_new_item_reaches_the_gsi_only_after_the_delay(client, clock):
    client.put_item(TableName="t", Item={"pk": {"S": "P"}, "sk": {"S": "1"}, "g": {"S": "G"}})
    assert client.get_item(TableName="t", Key={"pk": {"S": "P"}, "sk": {"S": "1"}}, ConsistentRead=True)["Item"]
    assert client.query(TableName="t", KeyConditionExpression="pk = :p",
                        ExpressionAttributeValues={":p": {"S": "P"}})["Count"] == 1  # the table itself: at once
    assert client.query(TableName="t", IndexName="by_sk_g", KeyConditionExpression="pk = :p",
                        ExpressionAttributeValues={":p": {"S": "P"}})["Count"] == 1  # an LSI: not delayed
    assert _gsi(client) == [] and _gsi_scan(client) == []
    clock[0] += 0.9
    assert _gsi(client) == []
    clock[0] += 0.2
    assert _gsi(client) == ["1"] and _gsi_scan(client) == ["1"]


def test_updates_batches_and_transactions_lag_too(client, clock):
    client.put_item(TableName="t", Item={"pk": {"S": "P"}, "sk": {"S": "1"}, "g": {"S": "G"}})
    clock[0] += 5
    assert _gsi(client) == ["1"]
    client.update_item(TableName="t", Key={"pk": {"S": "P"}, "sk": {"S": "1"}}, UpdateExpression="SET n = :n",
                       ExpressionAttributeValues={":n": {"N": "2"}})
    client.batch_write_item(RequestItems={"t": [
        {"PutRequest": {"Item": {"pk": {"S": "P"}, "sk": {"S": "2"}, "g": {"S": "G"}}}}]})
    client.transact_write_items(TransactItems=[
        {"Put": {"TableName": "t", "Item": {"pk": {"S": "P"}, "sk": {"S": "3"}, "g": {"S": "G"}}}}])
    assert _gsi(client) == []  # the updated item is not settled in the index either
    clock[0] += 1.01
    assert _gsi(client) == ["1", "2", "3"]


def test_without_the_variable_indexes_are_consistent_at_once(client, clock, monkeypatch):
    monkeypatch.setenv("LINDUNG_GSI_DELAY_SECONDS", "0")
    client.put_item(TableName="t", Item={"pk": {"S": "P"}, "sk": {"S": "9"}, "g": {"S": "G"}})
    assert _gsi(client) == ["9"]


def test_install_turns_it_on_only_when_asked(monkeypatch):
    calls = []
    monkeypatch.setattr(moto_server, "install_eventual_gsis", lambda: calls.append(1))
    for name in ("call_action",):
        monkeypatch.setattr(moto_server.DynamoHandler, name, getattr(moto_server.DynamoHandler, name))
    monkeypatch.setattr(moto_server.dynamo_type.Item, "__init__", moto_server.dynamo_type.Item.__init__)
    monkeypatch.setattr(moto_server, "dynamodb_models", moto_server.dynamodb_models)
    monkeypatch.setattr(moto_server.dynamodb_models, "copy", moto_server.dynamodb_models.copy)
    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", DynamoDBBackend.transact_write_items)
    for name in ("query", "all_items"):
        monkeypatch.setattr(Table, name, getattr(Table, name))
    monkeypatch.delenv("LINDUNG_GSI_DELAY_SECONDS", raising=False)
    moto_server.install()
    assert calls == []
    monkeypatch.setenv("LINDUNG_GSI_DELAY_SECONDS", "1")
    moto_server.install()
    assert calls == [1]
