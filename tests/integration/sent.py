"""What the emulator recorded as sent, read over HTTP from the emulator itself, never from our own
calls. One place that knows both emulators:

- moto (the default lane): devtools/moto_server.py's `/moto-api/lindung/sent.json`;
- LocalStack (`make test-localstack`, LINDUNG_LANE=localstack): `/_aws/sns/sms-messages?region=`
  and `/_aws/ses`.

Both are normalised to the same shapes: SMS as `{"message_id", "phone_number", "message"}`, raw
emails as `{"id", "destinations", "raw_data"}`.
"""

from __future__ import annotations

import email
import os
from email.message import Message
from email.utils import getaddresses

import requests

from chalicelib import config


def lane() -> str:
    return os.environ.get("LINDUNG_LANE", "moto")


def on_localstack() -> bool:
    return lane() == "localstack"


def sms(endpoint: str) -> list[dict]:
    if on_localstack():
        got = requests.get(f"{endpoint}/_aws/sns/sms-messages", params={"region": config.region()},
                           timeout=30).json()
        return [{"message_id": m.get("MessageId"), "phone_number": m.get("PhoneNumber", phone),
                 "message": m["Message"]}
                for phone, messages in got.get("sms_messages", {}).items() for m in messages]
    return _moto(endpoint)["sms"]


def raw_emails(endpoint: str) -> list[dict]:
    if on_localstack():
        got = requests.get(f"{endpoint}/_aws/ses", timeout=30).json()
        return [{"id": m.get("Id"), "destinations": _destinations(m), "raw_data": m["RawData"]}
                for m in got.get("messages", []) if m.get("RawData")]
    return _moto(endpoint)["raw_emails"]


def _destinations(m: dict) -> list[str]:
    """LocalStack keeps no Destinations for SendRawEmail: the message's own To/Cc headers then."""
    dest = m.get("Destination")
    if isinstance(dest, dict):
        return [a for field in ("ToAddresses", "CcAddresses", "BccAddresses") for a in dest.get(field, [])]
    if isinstance(dest, list):
        return list(dest)
    headers = email.message_from_string(m["RawData"])
    return [addr for _, addr in getaddresses(headers.get_all("To", []) + headers.get_all("Cc", []))]


def _moto(endpoint: str) -> dict:
    return requests.get(f"{endpoint}/moto-api/lindung/sent.json", timeout=30).json()


def sms_to(endpoint: str, phones) -> list[tuple[str, str]]:
    """(phone, text) of every SMS the emulator recorded to one of `phones`, in order."""
    wanted = set(phones)
    return [(m["phone_number"], m["message"]) for m in sms(endpoint) if m["phone_number"] in wanted]


def emails_to(endpoint: str, address: str) -> list[Message]:
    """Every raw email the emulator recorded to `address`, parsed."""
    return [email.message_from_string(m["raw_data"]) for m in raw_emails(endpoint) if address in m["destinations"]]
