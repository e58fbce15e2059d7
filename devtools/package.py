"""Slim the `chalice package` artifact: drop what the Lambda Python runtime already provides, and
ship every module's bytecode (see `slim`).

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
import compileall
import py_compile
import re
import shutil
import stat
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


def slim(zip_path: Path, precompile: bool = True) -> dict:
    """Rewrite `zip_path` without the runtime-provided packages, and (precompile) with every
    module's bytecode beside it; returns the sizes and what was removed.

    Precompiling: Lambda's /var/task is read-only, so without .pyc files in the zip every cold start
    compiles each imported module from source (app and libraries alike; wheels carry no .pyc).
    The .pyc are "unchecked-hash" ones (PEP 552): used as they are, whatever the mtimes the
    extraction gives the sources, which is right for a zip that never changes. They are made by
    this interpreter, the version `chalice package` targets (its runtime is this Python's).
    """
    before = zip_path.stat().st_size
    removed: dict[str, int] = {}
    with tempfile.TemporaryDirectory(dir=zip_path.parent) as tmp:
        root = Path(tmp) / "task"
        with zipfile.ZipFile(zip_path) as src:
            kept = []
            for info in src.infolist():
                if runtime_provided(info.filename):
                    top = info.filename.split("/", 1)[0]
                    removed[top] = removed.get(top, 0) + info.compress_size
                else:
                    kept.append(info)
            src.extractall(root, members=kept)
        modes = {info.filename: info.external_attr for info in kept}
        if precompile:
            compileall.compile_dir(root, ddir="/var/task", quiet=2, workers=1,
                                   invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        out = Path(tmp) / "deployment.zip"
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for path in sorted(root.rglob("*")):
                if path.is_dir():
                    continue
                name = path.relative_to(root).as_posix()
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # reproducible, as chalice's
                info.external_attr = modes.get(name, (stat.S_IFREG | 0o644) << 16)
                info.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(info, path.read_bytes())
        shutil.move(out, zip_path)
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
