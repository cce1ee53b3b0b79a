"""Test modules share code through fixtures in conftest.py and plain helper modules, never by
importing one another: an imported test module brings its fixtures (autouse ones too) and its
module-level work into the importer, and a helper hidden among tests is not found by its name."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def imported_modules(source: str, package: str) -> Iterator[str]:
    """Every dotted name an import in ``source`` may refer to, for a module in ``package``:
    ``from a.b import c`` gives ``a.b`` and ``a.b.c`` (c may be a module or a name in a.b)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            base = parts[: len(parts) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def is_test_module(name: str) -> bool:
    """Whether the dotted ``name`` is a test_*.py file of this repository."""
    path = ROOT.joinpath(*name.split("."))
    return path.name.startswith("test_") and path.with_suffix(".py").is_file()


def test_no_test_module_imports_another() -> None:
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        package = ".".join(path.relative_to(ROOT).parent.parts)
        for name in imported_modules(path.read_text(encoding="utf-8"), package):
            if is_test_module(name):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, (
        "move shared fixtures to conftest.py and helpers to a module named for what it "
        "holds:\n  " + "\n  ".join(offenders)
    )


def test_the_check_sees_absolute_relative_and_module_imports() -> None:
    source = (
        "from tests.web.test_organiser import seed\n"
        "from . import test_participant\n"
        "import tests.workers.test_booking\n"
        "from tests.web.helpers import csrf_token\n"
    )
    found = sorted(filter(is_test_module, imported_modules(source, "tests.web")))
    assert found == [
        "tests.web.test_organiser",
        "tests.web.test_participant",
        "tests.workers.test_booking",
    ]
