"""Account-level SNS SMS settings, which CloudFormation has no resource for (`make sms-settings`).

Run once per AWS account and region (Jakarta, ap-southeast-3) with credentials of that account:
reminders are Transactional (delivered even to numbers on promotional opt-out lists, and routed
for reliability), spending is capped, and delivery status is logged to CloudWatch Logs through
the role infra/senders.yaml creates. New accounts start in the SMS sandbox (verified numbers
only, USD 1 a month): request production access and a higher spend limit in the SNS console
before the first real reminder run.
"""

from __future__ import annotations

import argparse

import boto3

from devtools import infra


def settings(role_arn: str | None, spend_limit_usd: int) -> dict[str, str]:
    attrs = {"DefaultSMSType": "Transactional", "MonthlySpendLimit": str(spend_limit_usd)}
    if role_arn:
        attrs.update({"DeliveryStatusIAMRole": role_arn, "DeliveryStatusSuccessSamplingRate": "100"})
    return attrs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", required=True, choices=["dev", "prod"])
    parser.add_argument("--stack", default=None, help="CloudFormation stack name (default lindung-<stage>)")
    parser.add_argument("--spend-limit-usd", type=int, default=50)
    args = parser.parse_args()
    stack = args.stack or f"lindung-{args.stage}"
    outputs = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    role = next((o["OutputValue"] for o in outputs if o["OutputKey"] == "SmsDeliveryStatusRoleArn"), None)
    attrs = settings(role, args.spend_limit_usd)
    boto3.client("sns").set_sms_attributes(attributes=attrs)
    print(f"SNS SMS settings for {infra.stage_table_prefix(args.stage)}: {attrs}")


if __name__ == "__main__":
    main()
