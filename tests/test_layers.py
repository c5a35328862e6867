"""The layering rules that the import contracts (``make lint``: import-linter, configured in
pyproject.toml) cannot see or that must hold for every file: every import statement is read,
function-level and TYPE_CHECKING ones included."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from service.settings import ROOT

CORE_BANNED = ("service", "flask", "werkzeug", "redis", "rq", "sqlalchemy", "alembic")


def imported_modules(path: Path) -> set[str]:
    """Every module an import statement of ``path`` names (relative imports resolved to their
    dots only: they stay inside the package)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{alias.name}" for alias in node.names)
    return out


@pytest.mark.parametrize("path", sorted((ROOT / "clustering").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_imports_no_service_code_nor_servers(path: Path) -> None:
    bad = {m for m in imported_modules(path) if m.split(".")[0] in CORE_BANNED}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_gunicorn_config_imports_no_development_tool() -> None:
    modules = imported_modules(ROOT / "config" / "gunicorn.conf.py")
    assert modules and not {m for m in modules if m.startswith("service.devtools")}


def test_every_package_of_the_service_is_a_package() -> None:
    """A directory of modules without an ``__init__.py`` is left out of an installed wheel."""
    dirs = {p.parent for p in (ROOT / "service").rglob("*.py")} | {p.parent for p in (ROOT / "clustering").rglob("*.py")}
    missing = sorted(str(d.relative_to(ROOT)) for d in dirs if not (d / "__init__.py").exists()
                     and "migrations" not in d.parts)
    assert not missing
