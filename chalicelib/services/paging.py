"""Cursor paging over PynamoDB result iterators."""

from __future__ import annotations

from collections.abc import Iterable


def take(results: Iterable, n: int) -> tuple[list, dict | None]:
    """First n results and the key to resume after the last one taken (None at the end)."""
    items = []
    for item in results:
        items.append(item)
        if len(items) == n:
            break
    return items, results.last_evaluated_key  # type: ignore[attr-defined]
