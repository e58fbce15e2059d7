"""infra/ as a whole: the emulator/deploy-only rule, alarms for every DLQ, the merged artifact,
and one least-privilege policy per Lambda function. No AWS needed."""

from __future__ import annotations

import json
import re

import pytest
from moto.cloudformation.parsing import get_model_map

from chalicelib import config
from devtools import infra

CHALICE = config.PROJECT_DIR / ".chalice"
DEPLOYED_STAGES = ("dev", "prod")


def _all_resources() -> dict[str, tuple[infra.Template, dict]]:
    return {name: (t, r) for t in infra.templates() for name, r in t.resources.items()}


def _sub(value, prefix: str) -> str:
    """Resolve the only substitution names use: ${TablePrefix}."""
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    return text.replace("${TablePrefix}", prefix)


def test_every_template_is_either_emulated_or_says_why_not():
    supported = set(get_model_map())
    for tpl in infra.templates():
        kinds = {r["Type"] for r in tpl.resources.values()}
        unsupported = kinds - supported
        if tpl.deploy_only:
            assert unsupported, f"{tpl.path.name} is deploy-only but moto could deploy all of it: emulate it"
        else:
            assert not unsupported, (f"{tpl.path.name}: moto's CloudFormation would silently skip {unsupported}; "
                                     "move them to a template with Metadata.Lindung.DeployOnly")


def test_the_tables_and_queues_are_emulated():
    names = {t.name for t in infra.emulated()}
    assert {"tables", "queues"} <= names


def test_every_dead_letter_queue_has_an_alarm():
    resources = _all_resources()
    dlqs = set()
    for _, (_, res) in resources.items():
        if res["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in res.get("Properties", {}):
            target = res["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            dlqs.add(_sub(resources[target][1]["Properties"]["QueueName"], "p"))
    assert dlqs, "the queues have dead-letter queues"
    watched = set()
    for _, (_, res) in resources.items():
        if res["Type"] == "AWS::CloudWatch::Alarm" and res["Properties"]["Namespace"] == "AWS/SQS":
            assert res["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
            assert res["Properties"]["AlarmActions"], "an alarm nobody hears is no alarm"
            watched |= {_sub(d["Value"], "p") for d in res["Properties"]["Dimensions"] if d["Name"] == "QueueName"}
    assert dlqs <= watched, f"dead-letter queues without an alarm: {dlqs - watched}"


def test_reminder_failures_have_an_alarm():
    alarms = [r for _, r in _all_resources().values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert any(a["Properties"]["Namespace"] == "Lindung" and a["Properties"]["MetricName"] == "RemindersFailed"
               for a in alarms)


def test_user_pool_has_the_roles_and_claims_auth_py_reads():
    from chalicelib import auth

    res = {r["Type"]: r for _, r in _all_resources().values()}
    pool = res["AWS::Cognito::UserPool"]["Properties"]
    assert {"regency", "villages"} <= {a["Name"] for a in pool["Schema"]}
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    groups = {r["Properties"]["GroupName"] for _, r in _all_resources().values()
              if r["Type"] == "AWS::Cognito::UserPoolGroup"}
    assert groups == set(auth.ROLES)
    client = res["AWS::Cognito::UserPoolClient"]["Properties"]
    assert {"custom:regency", "custom:villages"} <= set(client["ReadAttributes"])
    scope = {"custom:regency", "custom:villages"}
    assert not scope & set(client["WriteAttributes"]), "users must not rescope themselves"


@pytest.mark.parametrize("stage", DEPLOYED_STAGES)
def test_merged_template_for_chalice_package(stage):
    merged = infra.merge(stage)
    every = _all_resources()
    overlays = set(infra.load(infra.INFRA_DIR / "overlays" / "functions.yaml")["Resources"])
    assert set(merged["Resources"]) - {"APIHandler", "RestAPI"} - overlays == set(every)
    gateway = merged["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]
    assert gateway["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"
    template = gateway["DEFAULT_4XX"]["ResponseTemplates"]["application/json"]
    template = template.replace("$context.error.messageString", "\"m\"")
    assert json.loads(template.replace("$context.error.responseType", "X"))["error"]["fields"] == {}
    assert merged["Parameters"]["TablePrefix"]["Default"] == f"lindung-{stage}" == infra.stage_table_prefix(stage)
    auth_env = merged["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert {"AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_JWKS_URL"} <= set(auth_env)


def test_merge_refuses_a_logical_id_defined_twice(tmp_path):
    body = (config.PROJECT_DIR / "infra" / "queues.yaml").read_text()
    (tmp_path / "a.yaml").write_text(body)
    (tmp_path / "b.yaml").write_text(body)
    with pytest.raises(ValueError, match="already defined"):
        infra.merge("dev", tmp_path)


def _functions() -> set[str]:
    """Every Lambda function `chalice package` makes: the API handler and one per event source."""
    from app import app

    return {"api_handler"} | {source.name for source in app.event_sources}


def _stage_config(stage: str) -> dict:
    return json.loads((CHALICE / "config.json").read_text())["stages"][stage]


@pytest.mark.parametrize("stage", DEPLOYED_STAGES)
def test_every_function_has_its_own_policy_file(stage):
    cfg = json.loads((CHALICE / "config.json").read_text())
    assert cfg["autogen_policy"] is False
    per_function = _stage_config(stage).get("lambda_functions", {})
    missing = {f for f in _functions() if "iam_policy_file" not in per_function.get(f, {})}
    assert not missing, f"add .chalice/policy-{stage}-<function>.json for {missing} in stage {stage}"


def _policies(stage: str) -> dict[str, dict]:
    files = {"(stage default)": _stage_config(stage)["iam_policy_file"]}
    files |= {f: v["iam_policy_file"] for f, v in _stage_config(stage).get("lambda_functions", {}).items()}
    return {f: json.loads((CHALICE / name).read_text()) for f, name in files.items()}


def test_prod_policies_are_dev_policies_with_prod_names():
    dev, prod = _policies("dev"), _policies("prod")
    assert dev.keys() == prod.keys()
    for fn in dev:
        assert json.dumps(prod[fn]).replace("lindung-prod", "lindung-dev") == json.dumps(dev[fn]), fn


@pytest.mark.parametrize("stage", DEPLOYED_STAGES)
def test_policies_are_least_privilege_and_name_real_resources(stage):
    prefix = infra.stage_table_prefix(stage)
    resources = [r for _, r in _all_resources().values()]
    tables = {_sub(r["Properties"]["TableName"], prefix) for r in resources if r["Type"] == "AWS::DynamoDB::Table"}
    queues = {_sub(r["Properties"]["QueueName"], prefix) for r in resources if r["Type"] == "AWS::SQS::Queue"}
    buckets = {_sub(r["Properties"]["BucketName"], prefix) for r in resources
               if r["Type"] == "AWS::S3::Bucket" and "BucketName" in r.get("Properties", {})}
    secrets = {_sub(r["Properties"]["Name"], prefix) for r in resources if r["Type"] == "AWS::SecretsManager::Secret"}
    sender_identity = next(t.body["Parameters"]["SenderIdentity"]["Default"] for t in infra.templates()
                           if "SenderIdentity" in (t.body.get("Parameters") or {}))
    for fn, policy in _policies(stage).items():
        for st in policy["Statement"]:
            assert st["Effect"] == "Allow"
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            arns = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
            assert not any(a == "*" or a.endswith(":*") for a in actions), f"{fn}: wildcard action in {st}"
            if arns == ["*"]:
                # X-Ray has no resources; SMS to a phone number has no ARN (sns:Publish alone, no topics);
                # dynamodb:ListStreams (the stream's event source mapping) takes no resource either
                assert all(a.startswith("xray:") for a in actions) or actions in (
                    ["sns:Publish"], ["dynamodb:ListStreams"]), f"{fn}: Resource * for {actions}"
                continue
            for arn in arns:
                service = arn.split(":")[2]
                if service == "dynamodb":
                    assert re.sub(r"/(index|stream)/\*$", "", arn.split(":table/")[1]) in tables, arn
                elif service == "sqs":
                    assert arn.rsplit(":", 1)[1] in queues, arn
                elif service == "s3":
                    assert arn.split(":::")[1].split("/")[0] in buckets, arn
                elif service == "logs":
                    assert f"/aws/lambda/{prefix}-" in arn, arn
                elif service == "secretsmanager":  # a secret's ARN ends in -<6 random characters>
                    assert re.sub(r"-\*$", "", arn.split(":secret:")[1]) in secrets, arn
                elif service == "ses":
                    assert arn.split(":identity/")[1] == sender_identity, f"{fn}: {arn} is not the SES sender"
                else:
                    assert prefix in arn, f"{fn}: {arn} does not name a resource of stage {stage}"


def test_compression_is_the_rest_apis_in_aws_and_the_functions_locally():
    """chalicelib.config.gzip_in_app: deployed stages let API Gateway gzip (same threshold)."""
    from chalicelib.api.http import GZIP_MIN_BYTES

    stages = json.loads((infra.INFRA_DIR.parent / ".chalice" / "config.json").read_text())["stages"]
    assert stages["local"]["environment_variables"]["LINDUNG_COMPRESSION"] == "app"
    for stage in DEPLOYED_STAGES:
        assert stages[stage]["environment_variables"]["LINDUNG_COMPRESSION"] == "api-gateway"
        assert stages[stage]["minimum_compression_size"] == GZIP_MIN_BYTES


@pytest.mark.parametrize(("value", "in_app"), [(None, True), ("app", True), ("api-gateway", False)])
def test_gzip_in_app_follows_lindung_compression(monkeypatch, value, in_app):
    from chalicelib import config

    if value is None:
        monkeypatch.delenv("LINDUNG_COMPRESSION", raising=False)
    else:
        monkeypatch.setenv("LINDUNG_COMPRESSION", value)
    assert config.gzip_in_app() is in_app


@pytest.mark.parametrize("stage", DEPLOYED_STAGES)
def test_each_stage_names_its_cursor_secret_which_infra_creates_and_only_the_api_reads(stage):
    """Issue 12.3: the secret is generated by Secrets Manager (never in a file), named per stage."""
    prefix = infra.stage_table_prefix(stage)
    made = {_sub(r["Properties"]["Name"], prefix): r for _, r in _all_resources().values()
            if r["Type"] == "AWS::SecretsManager::Secret"}
    named = _stage_config(stage)["environment_variables"]["LINDUNG_CURSOR_SECRET_ID"]
    assert named == f"{prefix}-cursor-secret" and named in made
    assert made[named]["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    assert "SecretString" not in made[named]["Properties"]
    readers = {fn for fn, policy in _policies(stage).items() for st in policy["Statement"]
               if "secretsmanager:GetSecretValue" in st["Action"]}
    assert readers == {"api_handler"}
    assert "LINDUNG_CURSOR_SECRET" not in _stage_config(stage)["environment_variables"]
