"""The walls of chalicelib, as an import graph read from the source (an ast walk, no import run).

- Nothing under chalicelib/services imports chalicelib.store.models or chalicelib.api: services
  take and return domain objects; repositories (chalicelib/store) own models, keys and
  transactions; the HTTP edge (chalicelib/api, app.py) owns request and response schemas.
- chalicelib/domain imports nothing of chalicelib but chalicelib.domain (pure rules, no AWS).

Every import counts: at module level, inside functions, under TYPE_CHECKING, relative or
absolute, `import a.b` or `from a import b`. ALLOWED lists the crossings that are still there
(module, what it imports); it may only shrink. A crossing that is not listed fails at once, and so
does a listed one that has gone (remove it from the list).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Crossings still to remove (issue 13): none are left. Never add to it.
ALLOWED: set[tuple[str, str]] = set()


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str, root: Path) -> bool:
    base = root.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imported(path: Path, root: Path) -> set[str]:
    """Every module `path` imports. `from pkg import name` is pkg.name when that is a module
    (`from chalicelib.store import models`), else pkg (`from chalicelib.store.models import X`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                parts = package.split(".")
                source = ".".join([*parts[: len(parts) - (node.level - 1)], *([node.module] if node.module else [])])
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                names.add(sub if is_module(sub, root) else source)
    return names


def within(name: str, target: str) -> bool:
    return name == target or name.startswith(target + ".")


def forbidden(module: str, name: str) -> bool:
    if within(module, "chalicelib.services"):
        return within(name, "chalicelib.api") or within(name, "chalicelib.store.models")
    if within(module, "chalicelib.domain"):
        return within(name, "chalicelib") and not within(name, "chalicelib.domain")
    return False


def crossings(root: Path = ROOT) -> set[tuple[str, str]]:
    """(module, the forbidden module it imports) for every module under root/chalicelib."""
    found: set[tuple[str, str]] = set()
    for path in sorted((root / "chalicelib").rglob("*.py")):
        module = module_name(path, root)
        found.update((module, name) for name in imported(path, root) if forbidden(module, name))
    return found


def test_no_new_wall_crossing():
    new = crossings() - ALLOWED
    assert not new, "new imports across the walls (services: no chalicelib.api, no store.models; " \
                    f"domain: only domain): {sorted(new)}"


def test_the_allow_list_only_names_crossings_still_there():
    gone = ALLOWED - crossings()
    assert not gone, f"these crossings are gone: remove them from ALLOWED: {sorted(gone)}"


def test_a_crossing_is_caught(tmp_path):
    """The walk sees every form of import (module level, in a function, relative, `import a.b`)."""
    package = tmp_path / "chalicelib"
    (package / "services").mkdir(parents=True)
    (package / "domain").mkdir()
    for folder in (package, package / "services", package / "domain"):
        (folder / "__init__.py").write_text("")
    (package / "services" / "a.py").write_text("from chalicelib.api import schemas\n")
    (package / "services" / "b.py").write_text("def f():\n    from ..store.models import EnrolmentModel\n")
    (package / "services" / "c.py").write_text("import chalicelib.api.http\n")
    (package / "services" / "d.py").write_text("from chalicelib.store import models, enrolments\n")
    (package / "services" / "ok.py").write_text("from chalicelib.store import enrolments\nfrom . import deps\n")
    (package / "domain" / "e.py").write_text("from chalicelib import config\n")
    (package / "domain" / "ok.py").write_text("from chalicelib.domain import nik\nfrom . import clock\n")
    for module in ("api/__init__", "api/schemas", "api/http", "store/__init__", "store/models",
                   "store/enrolments", "services/deps", "domain/nik", "domain/clock", "config"):
        (package / f"{module}.py").parent.mkdir(parents=True, exist_ok=True)
        (package / f"{module}.py").touch()
    found = crossings(tmp_path)
    assert found == {
        ("chalicelib.services.a", "chalicelib.api.schemas"),
        ("chalicelib.services.b", "chalicelib.store.models"),
        ("chalicelib.services.c", "chalicelib.api.http"),
        ("chalicelib.services.d", "chalicelib.store.models"),
        ("chalicelib.domain.e", "chalicelib.config"),
    }
