"""Dependencies go one way: the domain imports no web, database or queue framework."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import matchmaker.domain

ROOT = Path(__file__).resolve().parent.parent


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_domain_imports_no_flask_sqlalchemy_or_celery() -> None:
    modules = [
        m.name
        for m in pkgutil.walk_packages(matchmaker.domain.__path__, prefix="matchmaker.domain.")
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'sqlalchemy', 'celery', 'flask_sqlalchemy'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert len(modules) >= 3
    assert result.stdout.strip() == ""


def test_command_modules_import_only_the_shared_base() -> None:
    """matchmaker/cli/: each command module imports base (and progress), never another
    command module, so they cannot import each other in a circle."""
    package = ROOT / "matchmaker" / "cli"
    commands = {p.stem for p in package.glob("*.py")} - {"__init__", "base", "progress"}
    for path in package.glob("*.py"):
        if path.stem == "__init__":
            continue
        imported = {
            name.split(".")[2]
            for name in _imported_modules(path)
            if name.startswith("matchmaker.cli.")
        }
        assert not imported & commands, f"{path.name} imports {sorted(imported & commands)}"
