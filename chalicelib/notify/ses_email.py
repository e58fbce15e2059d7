"""Email through Amazon SES (raw MIME, because the digest carries a CSV attachment)."""

from __future__ import annotations

from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import aws
from chalicelib.notify.base import Notifier, Outgoing, SendFailed


def mime(sender: str, message: Outgoing) -> str:
    root = MIMEMultipart("mixed")
    root["Subject"] = message.subject or ""
    root["From"] = sender
    root["To"] = ", ".join(message.to)
    root.attach(MIMEText(message.body, "plain", "utf-8"))
    for a in message.attachments:
        part = MIMEApplication(a.content, _subtype=a.mime_type.split("/", 1)[1])
        part.add_header("Content-Disposition", "attachment", filename=a.filename)
        root.attach(part)
    return root.as_string()


class SesEmailNotifier(Notifier):
    channel = "email"

    def __init__(self, sender: str):
        self.sender = sender

    def send(self, message: Outgoing) -> str:
        try:
            # The recipients only in the To header: SES sends to the header's addresses when Destinations
            # is left out; given both, the emulator (moto) adds them up and lists each recipient twice.
            response = aws.client("ses").send_raw_email(
                Source=self.sender, RawMessage={"Data": mime(self.sender, message)})
        except ClientError as exc:
            raise SendFailed(f"SES_{exc.response['Error']['Code']}") from None
        except BotoCoreError as exc:
            raise SendFailed(f"SES_{type(exc).__name__}") from None
        return response["MessageId"]
