"""SMS through Amazon SNS direct publish to a phone number (transactional, so it is not throttled
as promotional traffic)."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import aws
from chalicelib.notify.base import Notifier, Outgoing, SendFailed


class SnsSmsNotifier(Notifier):
    channel = "sms"

    def send(self, message: Outgoing) -> str:
        (phone,) = message.to
        try:
            response = aws.client("sns").publish(
                PhoneNumber=phone, Message=message.body,
                MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}})
        except ClientError as exc:
            raise SendFailed(f"SNS_{exc.response['Error']['Code']}") from None
        except BotoCoreError as exc:
            raise SendFailed(f"SNS_{type(exc).__name__}") from None
        return response["MessageId"]

    def opted_out(self, recipient: str) -> bool:
        """SNS's opt-out list (CheckIfPhoneNumberIsOptedOut). Unreachable: not sent now, retried later."""
        try:
            return bool(aws.client("sns").check_if_phone_number_is_opted_out(phoneNumber=recipient)["isOptedOut"])
        except (ClientError, BotoCoreError) as exc:
            raise SendFailed(f"SNS_OPTOUT_CHECK_{type(exc).__name__}") from None
