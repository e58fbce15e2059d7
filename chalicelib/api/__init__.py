"""The HTTP layer.

`schemas` (pydantic and ~60 request/response models) is executed on first use, not when app.py
is imported: the scheduled and queue functions share app.py with the API and most of them never
validate a request, and pydantic plus the models were ~40 % of app.py's import time (bench/run.py,
cold start). Routes name their schemas as strings (`body="EnrolmentIn"`), resolved by the router
on the first request that needs them; code that needs a model at run time uses `schemas.X`.
"""

from __future__ import annotations

import importlib
from typing import Any


class _OnFirstUse:
    """A module executed on its first attribute read, through the import system (its module lock
    makes a second thread's first read wait for the whole module; importlib's LazyLoader was not
    thread-safe before Python 3.12.3, and `make run`'s threaded server answered its first
    requests 500 with a half-executed module)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


schemas: Any = _OnFirstUse(f"{__name__}.schemas")
