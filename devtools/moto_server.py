"""moto's server with DynamoDB made isolated, as DynamoDB itself is.

moto runs each request on its own thread, and its TransactWriteItems snapshots the whole table,
applies the items and, when a condition fails, puts the snapshot back. Two transactions at once
can therefore undo each other: a cancelled one restores a table that another has just committed
to, or leaves half of itself behind (found by tests/integration/test_concurrent_patches.py: 8
writers racing on one enrolment left 11 audit events for 6 accepted writes). Real DynamoDB
transactions are atomic and isolated, so the emulator serialises DynamoDB calls; the other
services (SQS long polls, S3, ...) stay concurrent.

Usage is that of `python -m moto.server` (devtools/emulator.py starts it).
"""

from __future__ import annotations

import threading

from moto.dynamodb.responses import DynamoHandler
from moto.server import main

_DYNAMODB = threading.RLock()
_call_action = DynamoHandler.call_action


def _serialised(self: DynamoHandler):
    with _DYNAMODB:
        return _call_action(self)


DynamoHandler.call_action = _serialised

if __name__ == "__main__":
    main()
