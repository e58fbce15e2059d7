"""Slim the `chalice package` artifact: drop what the Lambda Python runtime already provides.

Chalice packages every dependency it finds, and pynamodb (and powertools) require botocore, so
the zip carries boto3, botocore (16 MB of a 26 MB zip), s3transfer, jmespath, python-dateutil,
urllib3 and six, all of which the Lambda python3.11/python3.12 runtimes ship on their own path
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html, "Runtime-included SDK").
Chalice has no option to exclude installed packages, so `make package` rewrites the zip after
`chalice package` (the SAM template only names `./deployment.zip`, so nothing else changes).

Trade-off, deliberately taken: in AWS the functions run with the runtime's boto3/botocore
version, not the one pinned in constraints.txt. pynamodb 6.1 and powertools 3 need
botocore >= 1.12 and boto3 >= 1.34 respectively, which every current runtime ships. A function
that needs a newer botocore than the runtime's would have to package it again (drop its name from
RUNTIME_PROVIDED).

`python -m devtools.package slim build/dev/deployment.zip` (what `make package` runs) prints
what it removed and the sizes. tests/integration/test_package.py unzips the result and imports
app.py with only the runtime-provided packages beside it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

# Top-level names in the zip (packages, modules, their *.dist-info) the runtime provides.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
_DIST_NAMES = {"boto3", "botocore", "s3transfer", "jmespath", "python_dateutil", "urllib3", "six"}


def runtime_provided(name: str) -> bool:
    """Is this zip entry part of a runtime-provided distribution?"""
    top = name.split("/", 1)[0]
    if top.endswith((".dist-info", ".egg-info", ".data")):
        return re.split(r"-\d", top, maxsplit=1)[0].lower().replace("-", "_") in _DIST_NAMES
    return top.removesuffix(".py") in RUNTIME_PROVIDED


def slim(zip_path: Path) -> dict:
    """Rewrite `zip_path` without the runtime-provided packages; returns sizes and what went."""
    before = zip_path.stat().st_size
    removed: dict[str, int] = {}
    fd, tmp = tempfile.mkstemp(suffix=".zip", dir=zip_path.parent)
    os.close(fd)
    with zipfile.ZipFile(zip_path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if runtime_provided(info.filename):
                top = info.filename.split("/", 1)[0]
                removed[top] = removed.get(top, 0) + info.compress_size
                continue
            dst.writestr(info, src.read(info))  # same name, date, permissions and compression
    shutil.move(tmp, zip_path)
    return {"before_bytes": before, "after_bytes": zip_path.stat().st_size, "removed": removed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    slim_cmd = sub.add_parser("slim", help="drop runtime-provided packages from a chalice deployment.zip")
    slim_cmd.add_argument("zip", type=Path)
    args = parser.parse_args()
    result = slim(args.zip)
    gone = ", ".join(sorted(n for n in result["removed"] if not n.endswith(("-info", ".data"))))
    print(f"{args.zip}: {result['before_bytes'] / 1e6:.1f} MB -> {result['after_bytes'] / 1e6:.1f} MB "
          f"(removed, as the Lambda runtime provides them: {gone})")


if __name__ == "__main__":
    main()
