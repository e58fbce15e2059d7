"""SMS through Amazon SNS direct publish to a phone number (transactional, so it is not throttled
as promotional traffic).

Sends are paced to the account's SMS rate (config.sms_send_rate(), SNS's transactional MPS): SNS
answers Throttling beyond it, and botocore's retry of a Throttling backs off for a second or more
(exponential, with jitter), during which the channel carries nothing from that sender. Paced, the
sends leave one every 1/rate seconds from all of this process's threads together and meet no
Throttling; a Throttling that still comes (another sender on the account) is retried as before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import aws, config
from chalicelib.notify.base import Notifier, Outgoing, SendFailed


class Pacer:
    """At most `rate` calls of `wait()` return per second, from any number of threads: each caller
    reserves the next free slot (1/rate after the last one) and sleeps until it. No burst: a bucket of
    one token, so bursts the provider's own bucket would have to absorb never start."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until this caller's slot; returns how long it waited."""
        if not self.interval:
            return 0.0
        with self._lock:
            now = self.clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        delay = slot - now
        if delay > 0:
            self.sleep(delay)
        return delay


_PACERS: dict[float, Pacer] = {}
_PACERS_LOCK = threading.Lock()


def pacer(rate: float) -> Pacer:
    """The process's one pacer for `rate` (every SNS sender of the process shares it)."""
    with _PACERS_LOCK:
        if rate not in _PACERS:
            _PACERS[rate] = Pacer(rate)
        return _PACERS[rate]


class SnsSmsNotifier(Notifier):
    channel = "sms"

    def send(self, message: Outgoing) -> str:
        (phone,) = message.to
        pacer(config.sms_send_rate()).wait()
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
