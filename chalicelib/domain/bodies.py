"""Bounds on a JSON body, checked before json.loads (api/http.py parse_json). json.loads and
pydantic recurse, so a body nested thousands deep was a RecursionError (500). Our real bodies are
at most ~6 deep (a sync batch: body, operations, operation, data, extra, ...) and a full sync batch
of 200 enrolments is ~80 KB, so the bounds leave room and stop only what no client sends.
"""

from __future__ import annotations

from typing import Any

MAX_BODY_BYTES = 1024 * 1024
MAX_BODY_DEPTH = 32
TOO_DEEP = "\x00lindung:too-deep"  # what a pruned subtree becomes, for routes that judge items alone


def contains_too_deep(value: Any) -> bool:
    """Whether a value parsed with items_alone held a subtree that was too deep (iterative)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if item == TOO_DEEP:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
            stack.extend(item.keys())
        elif isinstance(item, list):
            stack.extend(item)
    return False
