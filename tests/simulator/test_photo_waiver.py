"""The photo waiver is the simulator's alone: a code walk fails if any other module names
it, and outside its block inspections need their photos as before."""

from __future__ import annotations

import ast

import pytest

from inspections.services import inspections as inspection_services
from tests import contracts

WAIVER_NAMES = {"PhotoWaiver", "photos_waived"}
HOME = "inspections.services.inspections"


def _names_used(tree: ast.AST) -> set[str]:
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.alias):
            used.add(node.name.split(".")[-1])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            used.update(word for word in WAIVER_NAMES if word in node.value)
    return used & WAIVER_NAMES


def test_no_module_outside_the_simulator_uses_the_photo_waiver():
    modules = contracts.discover_modules(contracts.top_level_packages())
    offenders = sorted(
        f"{module.rel}: {', '.join(sorted(used))}"
        for name, module in modules.items()
        if name != HOME
        and not name.startswith("simulator")
        and (used := _names_used(ast.parse(module.path.read_text(encoding="utf-8"))))
    )
    assert offenders == [], "Only simulator/ may waive inspection photos:\n" + "\n".join(offenders)


def test_the_walk_would_catch_a_module_that_imports_it():
    tree = ast.parse("from inspections.services.inspections import photos_waived\n")
    assert _names_used(tree) == {"photos_waived"}


def test_the_waiver_holds_only_inside_its_block_and_only_for_the_real_token():
    waiver = inspection_services.PhotoWaiver(why="test")
    with inspection_services.photos_waived(waiver):
        assert inspection_services._waiver.get() is waiver
    assert inspection_services._waiver.get() is None
    with pytest.raises(TypeError), inspection_services.photos_waived(object()):
        pass
