"""Only in `make test-localstack`: proof that the suite really ran against LocalStack (SQS, SNS,
SES, S3, CloudFormation) with DynamoDB on moto, and the read-back endpoints the reminder tests
use (/_aws/ses, /_aws/sns/sms-messages) answer."""

from __future__ import annotations

import os

import boto3
import pytest
import requests

from chalicelib import aws, config
from devtools import infra

pytestmark = pytest.mark.lane("localstack")  # only in `make test-localstack` (tests/conftest.py)


def test_services_are_where_the_lane_sends_them(aws_endpoint):
    localstack = os.environ["AWS_ENDPOINT_URL"]
    health = requests.get(f"{localstack}/_localstack/health", timeout=5).json()
    for service in ("sqs", "sns", "ses", "s3", "cloudformation"):
        assert health["services"][service] in {"running", "available"}, (service, health["services"][service])
    assert aws.client("sqs").meta.endpoint_url == localstack, "the app's SQS client talks to LocalStack"
    assert aws.client("dynamodb").meta.endpoint_url == os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
    queues = boto3.client("sqs", endpoint_url=localstack).list_queues(
        QueueNamePrefix=config.table_prefix()).get("QueueUrls", [])
    assert any(u.endswith(config.queue_name("reminders")) for u in queues), "the queues live in LocalStack"
    moto = os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
    assert moto != localstack
    tables = boto3.client("dynamodb", endpoint_url=moto).list_tables()["TableNames"]
    assert config.main_table() in tables, "the tables live in moto"


def test_sent_mail_and_sms_can_be_read_back(aws_endpoint):
    localstack = os.environ["AWS_ENDPOINT_URL"]
    sender = infra.load(config.PROJECT_DIR / "infra" / "senders.yaml")["Parameters"]["SenderIdentity"]["Default"]
    boto3.client("ses").send_email(
        Source=f"lindung@{sender}", Destination={"ToAddresses": ["kades@example.org"]},
        Message={"Subject": {"Data": "Uji lane"}, "Body": {"Text": {"Data": "Pengingat uji"}}})
    mail = requests.get(f"{localstack}/_aws/ses", timeout=5).json()["messages"]
    assert any(m.get("Subject") == "Uji lane" for m in mail)
    boto3.client("sns").publish(PhoneNumber="+6281300000001", Message="Pengingat uji lane")
    sms = requests.get(f"{localstack}/_aws/sns/sms-messages", params={"region": config.region()},
                       timeout=5).json()["sms_messages"]
    assert any(m["Message"] == "Pengingat uji lane" for msgs in sms.values() for m in msgs)
