"""Read every infra/*.yaml, tell emulated templates from deploy-only ones, merge them for AWS.

The rule, in one place: a template is deployed to the emulator (moto or LocalStack, by
devtools/stack.py) unless its top-level `Metadata.Lindung.DeployOnly` says why it cannot be
(moto's CloudFormation has no Cognito, CloudWatch alarm or SES identity resources and would
skip them with only a warning). Deploy-only templates are still linted by cfn-lint and merged
into the `chalice package` artifact. A new template in infra/ is picked up by both without
touching this file.

`python -m devtools.infra merge --stage dev --out build/infra-dev.json` writes the single
template `chalice package --merge-template` takes: every template's Parameters, Conditions,
Resources and Outputs side by side (a logical id used twice is an error), TablePrefix defaulting
to the stage's LINDUNG_TABLE_PREFIX, the API function wired to the Cognito user pool, and API
Gateway's own error replies in the contract's error shape.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chalicelib import config

INFRA_DIR = config.PROJECT_DIR / "infra"
SECTIONS = ("Parameters", "Conditions", "Resources", "Outputs")


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !Sub, !GetAtt ...) read as their long form."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _tag)


@dataclass(frozen=True)
class Template:
    name: str
    path: Path
    body: dict[str, Any]

    @property
    def deploy_only(self) -> str | None:
        """Why this template is not deployed to the emulator, or None when it is."""
        return ((self.body.get("Metadata") or {}).get("Lindung") or {}).get("DeployOnly")

    @property
    def resources(self) -> dict[str, Any]:
        return self.body.get("Resources") or {}

    def resources_of_type(self, kind: str) -> dict[str, Any]:
        return {k: v for k, v in self.resources.items() if v.get("Type") == kind}


def load(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)


def templates(directory: Path = INFRA_DIR) -> list[Template]:
    return [Template(p.stem, p, load(p)) for p in sorted(directory.glob("*.yaml"))]


def emulated(directory: Path = INFRA_DIR) -> list[Template]:
    return [t for t in templates(directory) if not t.deploy_only]


def stage_table_prefix(stage: str) -> str:
    cfg = json.loads((config.PROJECT_DIR / ".chalice" / "config.json").read_text())
    env = {**cfg.get("environment_variables", {}), **cfg["stages"][stage].get("environment_variables", {})}
    return env.get("LINDUNG_TABLE_PREFIX", "lindung-local")


def merge(stage: str, directory: Path = INFRA_DIR) -> dict[str, Any]:
    merged: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09",
                              "Description": f"Lindung infra/ for stage {stage}, merged by devtools/infra.py"}
    for section in SECTIONS:
        merged[section] = {}
    for tpl in templates(directory):
        for section in SECTIONS:
            for key, value in (tpl.body.get(section) or {}).items():
                if key in merged[section] and not (section == "Parameters" and merged[section][key] == value):
                    raise ValueError(f"{section}.{key} of infra/{tpl.path.name} is already defined by another template")
                merged[section][key] = value
    if "TablePrefix" in merged["Parameters"]:
        merged["Parameters"]["TablePrefix"] = {**merged["Parameters"]["TablePrefix"],
                                               "Default": stage_table_prefix(stage)}
    for name, overlay in (load(directory / "overlays" / "functions.yaml").get("Resources") or {}).items():
        merged["Resources"][name] = overlay  # Chalice deep-merges these into its own functions
    if "UserPool" in merged["Resources"]:
        merged["Resources"]["APIHandler"] = _api_auth_wiring()
    merged["Resources"]["RestAPI"] = _gateway_error_shape()
    return {k: v for k, v in merged.items() if v}


def _api_auth_wiring() -> dict[str, Any]:
    """Deep-merged by chalice into its APIHandler: verify tokens against this stack's user pool."""
    issuer = {"Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"}
    return {"Properties": {"Environment": {"Variables": {
        "AUTH_ISSUER": issuer,
        "AUTH_AUDIENCE": {"Ref": "UserPoolClient"},
        "AUTH_JWKS_URL": {"Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"
                                     "/.well-known/jwks.json"},
    }}}}


def _gateway_error_shape() -> dict[str, Any]:
    """Deep-merged into chalice's RestAPI: replies API Gateway makes itself (an unknown path is a
    403 "Missing Authentication Token" there, throttling a 429, ...) in the contract's error shape;
    an unknown path becomes the 404 it is."""
    def shape(code: str) -> dict[str, Any]:
        body = json.dumps({"error": {"code": code, "message": "MESSAGE", "fields": {}}})
        body = body.replace('"MESSAGE"', "$context.error.messageString")  # already a quoted JSON string
        return {"ResponseTemplates": {"application/json": body}}

    return {"Properties": {"GatewayResponses": {
        "DEFAULT_4XX": shape("$context.error.responseType"),
        "DEFAULT_5XX": {**shape("INTERNAL")},
        "MISSING_AUTHENTICATION_TOKEN": {**shape("NOT_FOUND"), "StatusCode": "404"},
    }}}


def write_merged(stage: str, out: Path) -> int:
    """Write the merged template for `chalice package --merge-template`; returns its resource count."""
    merged = merge(stage)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merged, indent=2) + "\n")
    return len(merged["Resources"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("merge", help="write the merged template for `chalice package --merge-template`")
    m.add_argument("--stage", required=True, choices=["dev", "prod"])
    m.add_argument("--out", required=True, type=Path)
    sub.add_parser("list", help="say which templates the emulator gets and which are deploy-only")
    args = parser.parse_args()
    if args.command == "merge":
        count = write_merged(args.stage, args.out)
        print(f"{args.out}: {count} resources from {len(templates())} templates")
    else:
        for tpl in templates():
            print(f"{tpl.path.name:20} {'deploy-only: ' + tpl.deploy_only if tpl.deploy_only else 'emulator + AWS'}")


if __name__ == "__main__":
    main()
