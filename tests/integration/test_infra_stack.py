"""The emulator's tables and queues are exactly the ones infra/ declares: the test stack is made
by deploying those templates (devtools/stack.py), not by code of its own."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib import config
from devtools import infra, stack


def _name(value, prefix: str) -> str:
    return (value["Fn::Sub"] if isinstance(value, dict) else value).replace("${TablePrefix}", prefix)


def test_tables_and_indexes_on_the_emulator_are_those_of_infra(aws_endpoint):
    prefix = config.table_prefix()
    ddb = boto3.client("dynamodb", region_name=config.region())
    declared = {_name(r["Properties"]["TableName"], prefix): r["Properties"]
                for t in infra.emulated() for r in t.resources_of_type("AWS::DynamoDB::Table").values()}
    live = {n for n in ddb.list_tables()["TableNames"] if n.startswith(prefix + "-")}
    assert live == set(declared)
    for name, props in declared.items():
        table = ddb.describe_table(TableName=name)["Table"]
        assert table["KeySchema"] == props["KeySchema"]
        assert {i["IndexName"]: i["KeySchema"] for i in table.get("GlobalSecondaryIndexes", [])} == {
            i["IndexName"]: i["KeySchema"] for i in props.get("GlobalSecondaryIndexes", [])}


def test_queues_and_dead_letter_queues_on_the_emulator_are_those_of_infra(aws_endpoint):
    prefix = config.table_prefix()
    sqs = boto3.client("sqs", region_name=config.region())
    declared = {}
    for tpl in infra.emulated():
        queues = tpl.resources_of_type("AWS::SQS::Queue")
        for res in queues.values():
            props = res["Properties"]
            dlq = None
            if "RedrivePolicy" in props:
                target = props["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
                dlq = _name(queues[target]["Properties"]["QueueName"], prefix)
            declared[_name(props["QueueName"], prefix)] = dlq
    live = {u.rsplit("/", 1)[1] for u in sqs.list_queues(QueueNamePrefix=prefix + "-").get("QueueUrls", [])}
    assert live == set(declared)
    for name, dlq in declared.items():
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"]).get("Attributes", {})
        target = None
        if "RedrivePolicy" in attrs:
            target = json.loads(attrs["RedrivePolicy"])["deadLetterTargetArn"].rsplit(":", 1)[1]
        assert target == dlq, name


def test_a_stack_per_emulated_template_and_none_for_deploy_only(aws_endpoint):
    prefix = config.table_prefix()
    for tpl in infra.emulated():
        cfn = stack.cloudformation_for(tpl)
        status = cfn.describe_stacks(StackName=f"{prefix}-{tpl.name}")["Stacks"][0]["StackStatus"]
        assert status in {"CREATE_COMPLETE", "UPDATE_COMPLETE"}, (tpl.name, status)
    for tpl in infra.templates():
        if tpl.deploy_only:
            with pytest.raises(ClientError):
                boto3.client("cloudformation", region_name=config.region()).describe_stacks(
                    StackName=f"{prefix}-{tpl.name}")


def test_the_sender_identity_gets_a_local_stand_in(aws_endpoint):
    ses = boto3.client("ses", region_name=config.region())
    sender = infra.load(config.PROJECT_DIR / "infra" / "senders.yaml")["Parameters"]["SenderIdentity"]["Default"]
    assert sender in ses.list_identities()["Identities"]
