"""moto's server, with two local-stack adjustments; usage is that of `python -m moto.server`
(devtools/emulator.py starts it).

1. DynamoDB made isolated, as DynamoDB itself is. moto runs each request on its own thread, and
   its TransactWriteItems snapshots the whole table, applies the items and, when a condition
   fails, puts the snapshot back. Two transactions at once can therefore undo each other (found
   by tests/integration/test_concurrent_patches.py: 8 writers racing on one enrolment left 11
   audit events for 6 accepted writes). Real DynamoDB transactions are atomic and isolated, so
   DynamoDB calls are serialised here; the other services (SQS long polls, S3, ...) stay
   concurrent.
2. One read-only endpoint listing what moto recorded as sent. `GET /moto-api/data.json` already
   exposes the recorded SMS (sns.SMS) and emails (ses.RawMessage), but it serialises every model
   instance ever created (seconds per call, growing through a test session).
   `GET /moto-api/lindung/sent.json` returns just those, from the same objects.
"""

from __future__ import annotations

import json
import threading

import moto.server as moto_server
from moto.dynamodb.responses import DynamoHandler

SENT_PATH = "/moto-api/lindung/sent.json"
_DYNAMODB = threading.RLock()
_call_action = DynamoHandler.call_action


def _serialised(self: DynamoHandler):
    with _DYNAMODB:
        return _call_action(self)


def sent() -> dict:
    from moto.ses.models import Message, RawMessage
    from moto.sns.models import SMS

    return {
        "sms": [{"message_id": m.message_id, "phone_number": m.phone_number, "message": m.message}
                for m in SMS.instances_tracked],
        "raw_emails": [{"id": m.id, "source": m.source, "destinations": list(m.destinations), "raw_data": m.raw_data}
                       for m in RawMessage.instances_tracked],
        "emails": [{"id": m.id, "source": m.source, "subject": m.subject, "body": m.body,
                    "destinations": m.destinations} for m in Message.instances_tracked],
    }


class _WithSentLog(moto_server.DomainDispatcherApplication):
    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == SENT_PATH:
            body = json.dumps(sent()).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return super().__call__(environ, start_response)


def main() -> None:
    DynamoHandler.call_action = _serialised
    moto_server.DomainDispatcherApplication = _WithSentLog
    moto_server.main()


if __name__ == "__main__":
    main()
