"""`make run`: emulator (unless AWS_ENDPOINT_URL is set), tables and queues from infra/,
reference data, then `chalice local` (devtools/local_server.py) on 127.0.0.1:$PORT plus the dispatcher that feeds queues
and schedules to the app's handlers. Ctrl-C stops everything this started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

from chalicelib.observability import redact
from devtools import emulator, stack, tokens


def _redacted(proc: subprocess.Popen) -> subprocess.Popen:
    """Copy a child's output to ours through the log redaction: chalice local's access log prints
    request lines, and `GET /v1/workers/<nik>` or `?q=<nik>` would put a full NIK on screen."""

    def pump() -> None:
        for line in proc.stdout:
            sys.stdout.write(redact(line))
            sys.stdout.flush()

    threading.Thread(target=pump, daemon=True).start()
    return proc


def main() -> int:
    os.environ["LINDUNG_STAGE"] = "local"  # the local stack, explicitly: unset means "not local"
    port = int(os.environ.get("PORT", "8000"))
    if emulator.port_busy(port):
        print(f"Port {port} is in use; stop what runs there or choose another: PORT=8001 make run", file=sys.stderr)
        return 1
    if os.environ.get("AWS_ENDPOINT_URL"):
        # an emulator this run did not start may hold a long history: the dispatcher follows the
        # stream from now on instead of replaying it (devtools/dispatcher.py)
        os.environ.setdefault("LINDUNG_STREAM_START", "LATEST")
    with emulator.emulator() as endpoint:
        print(f"AWS emulator: {endpoint}")
        from chalicelib.services import reference

        stack.deploy()
        count = reference.seed_regions()
        tokens.ensure_keys()
        print(f"Tables created from infra/, {count} regions loaded.")
        piped = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True}
        server = _redacted(subprocess.Popen(
            [sys.executable, "-m", "devtools.local_server", "local", "--stage", "local", "--no-autoreload",
             "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, "PYTHONUNBUFFERED": "1"}, **piped,
        ))
        dispatcher = _redacted(subprocess.Popen([sys.executable, "-m", "devtools.dispatcher"],
                                                env={**os.environ, "PYTHONUNBUFFERED": "1"}, **piped))
        try:
            emulator.wait_http(f"http://127.0.0.1:{port}/v1/health", proc=server)
            print(f"Lindung API on http://127.0.0.1:{port}/v1/health  (token: make token ROLE=admin)", flush=True)
            signal.signal(signal.SIGTERM, lambda *_: server.terminate())
            return server.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            emulator.stop(server)
            emulator.stop(dispatcher)


if __name__ == "__main__":
    sys.exit(main())
