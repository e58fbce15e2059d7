"""CI=true turns "this part is missing here, skipped" into a failure.

On a developer's machine a missing Chromium, Playwright, admin/vendor or LocalStack may skip its
tests (and says so); in CI (`CI=true`, what GitHub Actions, GitLab and most runners set) the
same thing fails the run, naming what is missing, so a green CI always means every lane ran.
"""

from __future__ import annotations

import os


def strict() -> bool:
    """True when CI=true (or 1/yes): missing parts fail instead of skipping."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}
