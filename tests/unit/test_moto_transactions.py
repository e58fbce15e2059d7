"""devtools/moto_server.py backs up only the items a transaction touches: a cancelled transaction
must still leave every item exactly as it was, and a committed one must apply every item."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from devtools import moto_server


@pytest.fixture()
def table(monkeypatch):
    import os

    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:  # in-process moto, not the server
        monkeypatch.delenv(name)
    monkeypatch.setattr(moto_server.dynamodb_models, "copy", moto_server._TablesByReference())
    monkeypatch.setattr(moto_server.DynamoDBBackend, "transact_write_items", moto_server._transact_write_items_by_item)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="ap-southeast-3")
        client.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                       {"AttributeName": "sk", "KeyType": "RANGE"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                  {"AttributeName": "sk", "AttributeType": "S"}])
        client.put_item(TableName="t", Item={"pk": {"S": "B"}, "sk": {"S": "1"}, "n": {"N": "1"}})
        client.put_item(TableName="t", Item={"pk": {"S": "D"}, "sk": {"S": "1"}, "n": {"N": "1"}})
        yield client


def _items(client) -> dict:
    return {(i["pk"]["S"], i["sk"]["S"]): i.get("n", {}).get("N") for i in client.scan(TableName="t")["Items"]}


def _ops(last_condition: str) -> list[dict]:
    return [
        {"Put": {"TableName": "t", "Item": {"pk": {"S": "A"}, "sk": {"S": "1"}, "n": {"N": "1"}}}},
        {"Update": {"TableName": "t", "Key": {"pk": {"S": "B"}, "sk": {"S": "1"}}, "UpdateExpression": "SET n = :two",
                    "ExpressionAttributeValues": {":two": {"N": "2"}}}},
        {"Delete": {"TableName": "t", "Key": {"pk": {"S": "D"}, "sk": {"S": "1"}}}},
        {"Put": {"TableName": "t", "Item": {"pk": {"S": "C"}, "sk": {"S": "1"}},
                 "ConditionExpression": last_condition}},
    ]


def test_a_cancelled_transaction_leaves_every_item_as_it_was(table):
    before = _items(table)
    with pytest.raises(ClientError) as caught:
        table.transact_write_items(TransactItems=_ops("attribute_exists(pk)"))
    assert caught.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _items(table) == before == {("B", "1"): "1", ("D", "1"): "1"}


def test_a_committed_transaction_applies_every_item(table):
    table.transact_write_items(TransactItems=_ops("attribute_not_exists(pk)"))
    assert _items(table) == {("A", "1"): "1", ("B", "1"): "2", ("C", "1"): None}


def test_an_invalid_transaction_changes_nothing(table):
    before = _items(table)
    twice = [*_ops("attribute_not_exists(pk)"),
             {"Delete": {"TableName": "t", "Key": {"pk": {"S": "A"}, "sk": {"S": "1"}}}}]  # A named twice
    with pytest.raises(ClientError):
        table.transact_write_items(TransactItems=twice)
    assert _items(table) == before
