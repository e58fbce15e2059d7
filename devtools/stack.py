"""Create the tables from infra/ on the emulator's CloudFormation and seed reference data.

The template is deployed as it is, so a table or index missing from infra/ fails here and in
every test. Re-running is safe: an existing stack is updated, or left alone when unchanged.
"""

from __future__ import annotations

import argparse
import time

import boto3
from botocore.exceptions import ClientError

from chalicelib import config

TEMPLATES = ("tables", "queues", "imports")


def stack_name(prefix: str, template: str) -> str:
    return f"{prefix}-{template}"


def deploy(prefix: str | None = None, timeout: float = 120.0) -> None:
    prefix = prefix or config.table_prefix()
    cfn = boto3.client("cloudformation", region_name=config.region())
    for template in TEMPLATES:
        body = (config.PROJECT_DIR / "infra" / f"{template}.yaml").read_text()
        name = stack_name(prefix, template)
        params = [{"ParameterKey": "TablePrefix", "ParameterValue": prefix}]
        try:
            cfn.create_stack(StackName=name, TemplateBody=body, Parameters=params)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "AlreadyExistsException":
                raise
            try:
                cfn.update_stack(StackName=name, TemplateBody=body, Parameters=params)
            except ClientError as upd:
                if "No updates" not in str(upd):
                    raise
        _wait(cfn, name, timeout)


def _wait(cfn, name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        if status.endswith("_COMPLETE") and "ROLLBACK" not in status:
            return
        if status.endswith("FAILED") or "ROLLBACK" in status:
            events = cfn.describe_stack_events(StackName=name)["StackEvents"][:5]
            reasons = "; ".join(e.get("ResourceStatusReason", "") for e in events)
            raise RuntimeError(f"stack {name} ended {status}: {reasons}")
        time.sleep(0.2)
    raise TimeoutError(f"stack {name} not complete after {timeout:.0f}s")


def main() -> None:
    from chalicelib.services import reference

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prefix", default=None)
    args = parser.parse_args()
    deploy(args.prefix)
    count = reference.seed_regions()
    print(f"tables ready, {count} regions loaded")


if __name__ == "__main__":
    main()
