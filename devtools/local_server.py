"""`chalice local` as `make run` starts it, with two replies made the contract's way (issue 12.12).

- An unknown path: chalice local imitates API Gateway's 403 and, when the request has an
  Authorization header, copies that header (the caller's bearer token) into the body. In AWS the
  deployed REST API answers an unknown path with a 404 in the contract's error shape
  (MISSING_AUTHENTICATION_TOKEN in devtools/infra.py); locally the same 404, and no token echoed.
- The access log line of every request goes through the log redaction (a NIK or phone number in
  a path, plain, spelled or percent-encoded).

Everything else is chalice's own CLI (`python -m devtools.local_server local --stage local ...`).
"""

from __future__ import annotations

import json
import sys

from chalice import local
from chalice.cli import main as chalice_main

from chalicelib.observability import redact

NOT_FOUND = json.dumps({"error": {"code": "NOT_FOUND", "message": "Alamat ini tidak ada di API", "fields": {}}})


class UnknownRoute(local.LocalGatewayException):
    CODE = 404


class ContractGateway(local.LocalGateway):
    def _generate_lambda_event(self, method, path, headers, body):
        try:
            return super()._generate_lambda_event(method, path, headers, body)
        except ValueError:  # no route matches: chalice local's 403 would echo the Authorization header
            raise UnknownRoute({"Content-Type": "application/json", "x-amzn-ErrorType": "NotFoundException"},
                               NOT_FOUND.encode()) from None


def _redacted_log_message(self, fmt: str, *args) -> None:
    line = fmt % args
    sys.stderr.write(redact(f"{self.address_string()} - - [{self.log_date_time_string()}] {line}\n"))


def install() -> None:
    """ChaliceRequestHandler builds a `LocalGateway` (looked up in chalice.local at each request)."""
    local.LocalGateway = ContractGateway
    local.ChaliceRequestHandler.log_message = _redacted_log_message


if __name__ == "__main__":
    install()
    sys.argv[0] = "chalice"
    sys.exit(chalice_main())
