"""A one-queue Chalice app for dispatcher tests; the queue comes from DISPATCH_PROBE_QUEUE."""

import os

from chalice import Chalice

app = Chalice(app_name="dispatch-probe")


@app.on_sqs_message(queue=os.environ["DISPATCH_PROBE_QUEUE"], batch_size=10)
def consume(event):
    return {"batchItemFailures": []}  # every message handled
