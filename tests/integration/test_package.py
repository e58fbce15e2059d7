"""The slimmed Lambda artifact still runs: `chalice package`, `devtools.package slim`, then app.py
imported from the unzipped files with nothing else on the path but what the Lambda runtime
provides (boto3, botocore, s3transfer, jmespath, dateutil, urllib3, six, taken from the venv)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from devtools import infra, package

ROOT = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter with -S (no site-packages) and -I (no PYTHONPATH, no cwd on the path).
_PROBE = r"""
import json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import app
event = {"resource": "/v1/health", "path": "/v1/health", "httpMethod": "GET", "headers": {},
         "multiValueHeaders": {}, "queryStringParameters": None, "multiValueQueryStringParameters": None,
         "pathParameters": None, "stageVariables": None, "body": None, "isBase64Encoded": False,
         "requestContext": {"resourcePath": "/v1/health", "httpMethod": "GET", "stage": "api",
                            "requestId": "test", "path": "/api/v1/health", "identity": {"sourceIp": "127.0.0.1"}}}
class Context:
    function_name, memory_limit_in_mb, invoked_function_arn, aws_request_id = "api", 512, "arn:x", "test"
    def get_remaining_time_in_millis(self):
        return 10_000
refused = app.app(event, Context())  # no cursor secret named: the deployed stage refuses (fail closed)
import os
from botocore.stub import Stubber
from chalicelib import aws
os.environ["LINDUNG_CURSOR_SECRET_ID"] = "lindung-dev-cursor-secret"
stub = Stubber(aws.client("secretsmanager"))  # Secrets Manager answers, as in AWS
stub.add_response("get_secret_value", {"Name": "lindung-dev-cursor-secret", "SecretString": "s" * 64},
                  {"SecretId": "lindung-dev-cursor-secret"})
stub.activate()
reply = app.app(event, Context())
import jwt, openpyxl, cryptography.hazmat.primitives.asymmetric.rsa  # the lazily imported ones are packaged
from aws_lambda_powertools.utilities.batch import BatchProcessor
print(json.dumps({"status": reply["statusCode"], "body": json.loads(reply["body"]),
                  "refused": [refused["statusCode"], json.loads(refused["body"])["error"]["code"]],
                  "botocore": sys.modules["botocore"].__file__}))
"""


@pytest.fixture(scope="module")
def slimmed(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("package")
    env = {**os.environ, "AWS_DEFAULT_REGION": "ap-southeast-3"}
    infra.write_merged("dev", out / "infra-dev.json")  # as `make package` does
    subprocess.run([str(Path(sys.executable).parent / "chalice"), "package", "--stage", "dev", "--merge-template",
                    str(out / "infra-dev.json"), str(out / "build")],
                   cwd=ROOT, check=True, capture_output=True, env=env, timeout=600)
    zip_path = out / "build" / "deployment.zip"
    return zip_path, package.slim(zip_path)


def test_runtime_provided_packages_are_gone_and_the_rest_stays(slimmed) -> None:
    zip_path, result = slimmed
    with zipfile.ZipFile(zip_path) as z:
        tops = {name.split("/", 1)[0] for name in z.namelist()}
    assert not {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py"} & tops
    assert {"app.py", "chalicelib", "chalice", "pynamodb", "pydantic", "pydantic_core", "aws_lambda_powertools",
            "jwt", "cryptography", "openpyxl"} <= tops
    assert "botocore" in result["removed"] and result["after_bytes"] < result["before_bytes"]
    assert f"__pycache__/app.{sys.implementation.cache_tag}.pyc" in z.namelist()  # precompiled: /var/task is read-only


def test_cfn_lint_passes_on_the_deployable_template(slimmed) -> None:
    """infra/*.yaml are linted in `make lint`; this is the merged SAM template `make package` ships
    (cfn-lint validates SAM resources against SAM's schemas)."""
    sam = slimmed[0].parent / "sam.json"
    lint = subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), str(sam)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert {"MainTable", "Reminders", "UserPool", "APIHandler"} <= set(json.loads(sam.read_text())["Resources"])


def test_the_rest_api_gzips_and_the_functions_do_not(slimmed) -> None:
    sam = json.loads((slimmed[0].parent / "sam.json").read_text())
    assert sam["Resources"]["RestAPI"]["Properties"]["MinimumCompressionSize"] == 1024
    functions = [r for r in sam["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
    assert functions and all(f["Properties"]["Environment"]["Variables"]["LINDUNG_COMPRESSION"] == "api-gateway"
                             for f in functions)


def test_the_slim_artifact_imports_and_answers_with_only_the_runtime_packages(slimmed, tmp_path) -> None:
    zip_path, _ = slimmed
    task = tmp_path / "task"  # what Lambda extracts to /var/task
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(task)
    runtime = tmp_path / "runtime"  # stands in for the runtime's own path (/var/runtime, /var/lang/...)
    runtime.mkdir()
    import boto3  # only to find the venv's copies of the runtime-provided packages

    site = Path(boto3.__file__).parent.parent
    for name in package.RUNTIME_PROVIDED:
        source = site / name if (site / name).is_dir() else site / f"{name}.py"
        (runtime / source.name).symlink_to(source)
    env = {k: v for k, v in os.environ.items() if k not in {"AWS_ENDPOINT_URL", "PYTHONPATH"}}
    env.update(LINDUNG_STAGE="dev", POWERTOOLS_METRICS_DISABLED="true", POWERTOOLS_TRACE_DISABLED="true")
    probe = subprocess.run([sys.executable, "-I", "-S", "-c", _PROBE, str(task), str(runtime)], cwd=tmp_path,
                           capture_output=True, text=True, env=env, timeout=120)
    assert probe.returncode == 0, probe.stderr[-3000:]
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    assert result["status"] == 200 and result["body"]["status"] == "ok"
    assert result["refused"] == [503, "SERVICE_MISCONFIGURED"]
    assert result["botocore"].startswith(str(runtime))
    shutil.rmtree(task)
