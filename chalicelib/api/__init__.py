"""The HTTP layer.

`schemas` (pydantic and ~60 request/response models) is executed on first use, not when app.py
is imported: the scheduled and queue functions share app.py with the API and most of them never
validate a request, and pydantic plus the models were ~40 % of app.py's import time (bench/run.py,
cold start). Routes name their schemas as strings (`body="EnrolmentIn"`), resolved by the router
on the first request that needs them; code that needs a model at run time uses `schemas.X`.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def _lazy(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


schemas = _lazy(f"{__name__}.schemas")
