"""moto's server, plus one read-only endpoint listing what it recorded as sent.

`GET /moto-api/data.json` already exposes moto's recorded SMS (sns.SMS) and emails
(ses.RawMessage), but it serialises every model instance ever created (seconds per call, growing
through a test session). `GET /moto-api/lindung/sent.json` returns just those two, from the same
objects. Everything else is moto unchanged: `python -m devtools.moto_server -H ... -p ...`.
"""

from __future__ import annotations

import json

import moto.server as moto_server

SENT_PATH = "/moto-api/lindung/sent.json"


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
    moto_server.DomainDispatcherApplication = _WithSentLog
    moto_server.main()


if __name__ == "__main__":
    main()
