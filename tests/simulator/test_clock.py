"""The simulator's clock (time-machine) moves every Python clock, not the database's: a
code walk keeps the promise in simulator/driver.py that no query asks PostgreSQL for the
time (a `Now()` or a raw `now()` would stamp real time into a simulated run)."""

from __future__ import annotations

import ast
import re

from tests import contracts

DB_CLOCK = re.compile(
    r"(?<![.\w])(now|clock_timestamp|statement_timestamp|transaction_timestamp)\s*\(\s*\)|CURRENT_(TIMESTAMP|DATE)\b",
    re.I,
)


def _db_clock_uses(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(alias.name == "Now" for alias in node.names):
            lines.append(node.lineno)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            docstring_like = "\n" in node.value and not node.value.lstrip().upper().startswith(("SELECT", "UPDATE"))
            if not docstring_like and DB_CLOCK.search(node.value):
                lines.append(node.lineno)
    return lines


def test_no_query_reads_the_databases_clock():
    modules = contracts.discover_modules(contracts.top_level_packages())
    found = [
        f"{module.rel}:{line}"
        for module in modules.values()
        for line in _db_clock_uses(ast.parse(module.path.read_text(encoding="utf-8")))
    ]
    assert found == [], "The simulated clock cannot move the database's now(): pass timezone.now() in.\n" + "\n".join(
        found
    )


def test_the_walk_finds_now_in_sql_and_the_orm():
    assert _db_clock_uses(ast.parse("from django.db.models.functions import Now\n")) == [1]
    assert _db_clock_uses(ast.parse("cursor.execute('UPDATE t SET at = now()')\n")) == [1]
    assert _db_clock_uses(ast.parse("x = timezone.now()\n")) == []
