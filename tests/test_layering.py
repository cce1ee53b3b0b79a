"""Dependencies go one way: the domain imports no web, database or queue framework."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import matchmaker.domain


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
