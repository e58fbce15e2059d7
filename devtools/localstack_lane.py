"""`make test-localstack`: the integration suite again, with LocalStack as the AWS emulator.

SQS, SNS, SES, S3, IAM, STS, CloudFormation and Secrets Manager are LocalStack's; DynamoDB stays on moto
(AWS_ENDPOINT_URL_DYNAMODB), because LocalStack's DynamoDB downloads DynamoDB Local at start,
which an offline machine cannot do. devtools/stack.py deploys infra/tables.yaml to the
CloudFormation beside DynamoDB and every other template to LocalStack's.

Where LocalStack runs:
- a Docker engine answers and LOCALSTACK_AUTH_TOKEN is set (LocalStack's image asks for one
  since March 2026): the image, started through pytest-localstack;
- otherwise LocalStack in host mode, which needs Python 3.13 (LocalStack's runtime does not
  install on 3.12 here): its own venv, .venv-localstack, from requirements-localstack.txt pinned
  by constraints-localstack.txt, started as `python -m localstack.runtime.main`.
When neither can be set up the lane says SKIPPED and why, and exits 0 on a developer's machine;
with CI=true (devtools/ci.py) it says FAILED and why, and exits 1: CI must not pass without it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from chalicelib import config
from devtools import ci, emulator

SERVICES = ("sqs", "sns", "ses", "s3", "iam", "sts", "cloudformation", "secretsmanager")
ROOT = config.PROJECT_DIR
VENV = ROOT / os.environ.get("LS_VENV", ".venv-localstack")
REQUIREMENTS = ROOT / "requirements-localstack.txt"
CONSTRAINTS = ROOT / "constraints-localstack.txt"
PYTHONS = ("python3.13", "env PYENV_VERSION=3.13.0 python3.13")


class Skip(Exception):
    """The lane cannot be set up here; the message says why."""


def say(message: str) -> None:
    print(f"[localstack lane] {message}", flush=True)


def docker_engine() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=15).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _python313() -> list[str]:
    for cand in PYTHONS:
        cmd = shlex.split(cand)
        try:
            ok = subprocess.run([*cmd, "-c", "import sys; assert sys.version_info[:2] == (3, 13)"],
                                capture_output=True, timeout=30).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if ok:
            return cmd
    raise Skip("no Python 3.13 found (tried: " + ", ".join(PYTHONS) + "); LocalStack's host mode needs it")


def host_venv() -> Path:
    """.venv-localstack with the pinned LocalStack, rebuilt when its pins change."""
    stamp = VENV / ".installed"
    python = VENV / "bin" / "python"
    if stamp.exists() and python.exists() and stamp.stat().st_mtime >= max(
            REQUIREMENTS.stat().st_mtime, CONSTRAINTS.stat().st_mtime):
        return python
    if not python.exists():
        cmd = _python313()
        say(f"creating {VENV.name} with {' '.join(cmd)}")
        subprocess.run([*cmd, "-m", "venv", str(VENV)], check=True)
    say(f"installing {REQUIREMENTS.name} into {VENV.name}")
    pip = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                          "-r", str(REQUIREMENTS), "-c", str(CONSTRAINTS)], capture_output=True, text=True)
    if pip.returncode != 0:
        raise Skip(f"installing LocalStack into {VENV.name} failed:\n{pip.stdout[-1500:]}{pip.stderr[-1500:]}")
    stamp.touch()
    return python


def wait_health(endpoint: str, proc: subprocess.Popen | None, timeout: float = 90.0) -> dict:
    import json

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise Skip(f"LocalStack exited with {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(f"{endpoint}/_localstack/health", timeout=2) as r:
                health = json.loads(r.read())
            if all(health.get("services", {}).get(s) in {"available", "running"} for s in SERVICES):
                return health
        except OSError:
            pass
        time.sleep(0.5)
    raise Skip(f"LocalStack at {endpoint} did not report {', '.join(SERVICES)} ready within {timeout:.0f}s")


class HostLocalStack:
    def __enter__(self) -> str:
        python = host_venv()
        port = emulator.free_port()
        self.log_path = ROOT / "test-artifacts" / "localstack.log"
        self.log_path.parent.mkdir(exist_ok=True)
        data = ROOT / "test-artifacts" / "localstack-volume"
        data.mkdir(exist_ok=True)
        env = {**os.environ, "SKIP_SSL_CERT_DOWNLOAD": "1", "GATEWAY_LISTEN": f"127.0.0.1:{port}",
               "SERVICES": ",".join(SERVICES), "LOCALSTACK_VOLUME_DIR": str(data), "DEBUG": "0",
               "PYTHONUNBUFFERED": "1"}
        for key in [k for k in env if k.startswith("AWS_ENDPOINT_URL")]:
            env.pop(key)
        self.proc = subprocess.Popen([str(python), "-m", "localstack.runtime.main"], env=env,
                                     stdout=self.log_path.open("w"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        endpoint = f"http://127.0.0.1:{port}"
        started = time.monotonic()
        try:
            health = wait_health(endpoint, self.proc)
        except Skip as exc:
            emulator.stop(self.proc)
            raise Skip(f"{exc}\n--- {self.log_path.name} (tail) ---\n{self.log_path.read_text()[-2000:]}") from None
        say(f"LocalStack {health.get('version')} (host mode, {python}) on {endpoint}, "
            f"ready in {time.monotonic() - started:.1f}s")
        return endpoint

    def __exit__(self, *exc) -> None:
        emulator.stop(self.proc)


class DockerLocalStack:
    """The LocalStack image through pytest-localstack (not exercised on a machine without Docker)."""

    def __init__(self, token: str):
        self.token = token

    def __enter__(self) -> str:
        import docker
        from pytest_localstack.session import LocalstackSession

        version = os.environ.get("LOCALSTACK_VERSION", "latest")
        self.session = LocalstackSession(docker.from_env(), services=list(SERVICES), region_name=config.region(),
                                         localstack_version=version,
                                         container_env={"LOCALSTACK_AUTH_TOKEN": self.token})
        self.session.start(timeout=180)
        endpoint = self.session.endpoint_url("sqs")
        wait_health(endpoint, None)
        say(f"LocalStack image localstack/localstack:{version} (Docker, pytest-localstack) on {endpoint}")
        return endpoint

    def __exit__(self, *exc) -> None:
        self.session.stop()


def choose():
    if docker_engine():
        token = os.environ.get("LOCALSTACK_AUTH_TOKEN")
        if token:
            return DockerLocalStack(token)
        say("a Docker engine is here but LOCALSTACK_AUTH_TOKEN is not set: LocalStack's image needs an "
            "auth token since March 2026. Falling back to host mode.")
    else:
        say("no Docker engine answers `docker info`: LocalStack in host mode")
    return HostLocalStack()


def run(pytest_args: list[str]) -> int:
    emulator.local_aws_defaults()
    try:
        with choose() as localstack:
            moto_port = emulator.free_port()
            moto = emulator.start_moto(moto_port)
            try:
                env = {**os.environ, "AWS_ENDPOINT_URL": localstack, "LINDUNG_LANE": "localstack",
                       "AWS_ENDPOINT_URL_DYNAMODB": f"http://127.0.0.1:{moto_port}"}
                say(f"AWS_ENDPOINT_URL={localstack} (LocalStack), AWS_ENDPOINT_URL_DYNAMODB="
                    f"{env['AWS_ENDPOINT_URL_DYNAMODB']} (moto)")
                args = pytest_args or ["-q", "-m", "not fuzz", "tests/integration"]
                return subprocess.run([sys.executable, "-m", "pytest", *args], env=env, cwd=ROOT).returncode
            finally:
                emulator.stop(moto)
    except Skip as exc:
        if ci.strict():
            say(f"FAILED (CI=true: a lane that cannot run is a failure, not a skip): {exc}")
            return 1
        say(f"SKIPPED: {exc}")
        return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
