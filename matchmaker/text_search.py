"""Searching names as people type them: whatever the case, with or without accents.

"jose" finds "José", "SAO PAULO" finds "São Paulo" and "munoz" finds "Muñoz". Both sides are
folded alike: in Python (the words searched for) and in the database (the column), with one
table of letters, so that SQLite (a function this module gives it) and PostgreSQL (its
``translate``, no extension to install) match the same rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

#: Accented letters of Spanish, Portuguese, French and their neighbours, both cases (lower()
#: of a database with the C locale leaves them alone), and the plain letter each folds to.
ACCENTED = "áàâãäåéèêëíìîïóòôõöúùûüçñýÿÁÀÂÃÄÅÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇÑÝ"
PLAIN = "aaaaaaeeeeiiiiooooouuuucnyyaaaaaaeeeeiiiiooooouuuucny"
_TABLE = str.maketrans(ACCENTED, PLAIN)
#: The SQLite function behind ``folded`` (registered on every connection: see app.py).
SQLITE_FUNCTION = "matchmaker_fold"


def fold(text: str) -> str:
    """``text`` lower-cased, its accented letters plain."""
    return text.lower().translate(_TABLE)


class folded(FunctionElement[str]):
    """A text column folded like ``fold`` in SQL."""

    type = String()
    inherit_cache = True


@compiles(folded, "postgresql")
def _folded_on_postgresql(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"translate(lower({column}), '{ACCENTED}', '{PLAIN}')"


@compiles(folded)
def _folded_elsewhere(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


def sqlite_fold(text: str | None) -> str | None:
    return fold(text) if isinstance(text, str) else text


def contains_folded(column: Any, text: str) -> ColumnElement[bool]:
    """``column`` holds ``text``, folded alike; LIKE's wildcards in ``text`` taken literally."""
    return folded(column).contains(fold(text), autoescape=True)
