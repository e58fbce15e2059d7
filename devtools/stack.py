"""Create the tables from infra/ on the emulator's CloudFormation and seed reference data.

Every infra/*.yaml is deployed as it is, one stack per template, except the deploy-only ones
(`Metadata.Lindung.DeployOnly`, see devtools/infra.py), so a table, index or queue missing from
infra/ fails here and in every test. Re-running is safe: an existing stack is updated, or left
alone when unchanged. A deploy-only resource the local stack needs gets a small stand-in made
through its service's API (`_stand_ins`).
"""

from __future__ import annotations

import argparse
import os
import time

import boto3
from botocore.exceptions import ClientError

from chalicelib import config
from devtools import infra


def stack_name(prefix: str, template: str) -> str:
    return f"{prefix}-{template}"


def cloudformation_for(tpl: infra.Template):
    """The CloudFormation that can create this template's resources. Normally the emulator's;
    when one service is served elsewhere (the LocalStack lane sends DynamoDB to moto with
    AWS_ENDPOINT_URL_DYNAMODB), a template made only of that service's resources goes to the
    CloudFormation beside it."""
    services = {r["Type"].split("::")[1].lower() for r in tpl.resources.values()}
    if len(services) == 1:
        endpoint = os.environ.get(f"AWS_ENDPOINT_URL_{services.pop().upper()}")
        if endpoint:
            return boto3.client("cloudformation", region_name=config.region(), endpoint_url=endpoint)
    return boto3.client("cloudformation", region_name=config.region())


def deploy(prefix: str | None = None, timeout: float = 120.0) -> None:
    prefix = prefix or config.table_prefix()
    for tpl in infra.emulated():
        cfn = cloudformation_for(tpl)
        body = tpl.path.read_text()
        name = stack_name(prefix, tpl.name)
        params = [{"ParameterKey": "TablePrefix", "ParameterValue": prefix}
                  ] if "TablePrefix" in (tpl.body.get("Parameters") or {}) else []
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
    _stand_ins(prefix)
    verify_sender()


def verify_sender() -> None:
    """SES sends only from a verified identity; the configured sender is verified by API here."""
    boto3.client("ses", region_name=config.region()).verify_email_identity(EmailAddress=config.sender_email())


def _stand_ins(prefix: str) -> None:
    """Local stand-ins for deploy-only resources the running code needs."""
    for tpl in infra.templates():
        if not tpl.deploy_only:
            continue
        for resource in tpl.resources_of_type("AWS::SecretsManager::Secret").values():
            _secret_stand_in(resource["Properties"]["Name"]["Fn::Sub"].replace("${TablePrefix}", prefix))
        for resource in tpl.resources_of_type("AWS::SES::EmailIdentity").values():
            identity = resource["Properties"]["EmailIdentity"]
            if isinstance(identity, dict) and "Ref" in identity:
                identity = tpl.body["Parameters"][identity["Ref"]]["Default"]
            ses = boto3.client("ses", region_name=config.region())
            if "@" in identity:
                ses.verify_email_identity(EmailAddress=identity)
            else:
                ses.verify_domain_identity(Domain=identity)


def _secret_stand_in(name: str) -> None:
    """The secret CloudFormation would generate (GenerateSecretString), made once: a re-run keeps it."""
    import secrets

    client = boto3.client("secretsmanager", region_name=config.region())
    try:
        client.create_secret(Name=name, SecretString=secrets.token_urlsafe(48))
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceExistsException":
            raise


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
