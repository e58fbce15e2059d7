"""Figures the reliability tests measure, collected in test-artifacts/figures.json for the README."""

from __future__ import annotations

import json
from pathlib import Path

FILE = Path(__file__).resolve().parent.parent / "test-artifacts" / "figures.json"


def record(name: str, value: object) -> None:
    FILE.parent.mkdir(exist_ok=True)
    data = json.loads(FILE.read_text()) if FILE.exists() else {}
    data[name] = value
    FILE.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(f"\n[figure] {name}: {value}")  # noqa: T201 (shown with -s / in CI logs)
