"""Dependencies point one way (DESIGN.md §3), and no two modules import each other.

The order of the layers is written here and nowhere else. A module may import its own
package or any package of a lower layer — never a higher layer, never a peer package of
its own layer."""

from __future__ import annotations

import ast

import pytest

from tests import contracts

LAYERS = (
    ("closo",),
    ("brands",),
    ("hubs",),
    ("fulfillment",),
    ("inspections",),
    ("intake",),
    ("portals",),
    ("simulator",),
)

# Settings and the root URLconfs assemble every app (INSTALLED_APPS, include("hubs.urls")),
# so they sit above all layers. A name covers the module and anything below it.
ROOT_MODULES = {
    "closo.settings",
    "closo.urls_public",
    "closo.urls_tenant",
    "closo.urls_api",
    "closo.urls_api_root",
    "closo.urls_hub_api_root",
    "closo.urls_accounts",
    "closo.wsgi",
    "closo.asgi",
    # `migrate` is overridden in closo because Django runs the command of the first app in
    # INSTALLED_APPS that has one, and closo must come before django_tenants; the override
    # assembles brand schemas (the template and its clone functions), so it wires apps too.
    "closo.management.commands.migrate",
    "closo.management.commands.migrate_schemas",
}


def _graph():
    modules = contracts.discover_modules(contracts.top_level_packages())
    return modules, contracts.import_graph(modules)


def _layer_of(module: str) -> str:
    package = module.split(".")[0]
    return f"{package} (layer {contracts.layer_index(LAYERS)[package]})"


def test_every_product_package_has_a_layer():
    missing = contracts.packages_without_layer(contracts.top_level_packages(), LAYERS)
    if missing:
        pytest.fail(
            f"{len(missing)} top-level package(s) belong to no layer: {', '.join(missing)}.\n"
            "Add each to LAYERS in tests/test_architecture.py, in the place its imports allow.",
            pytrace=False,
        )


def test_no_module_imports_a_higher_layer():
    modules, edges = _graph()
    bad = contracts.upward_imports(edges, LAYERS, ROOT_MODULES)
    lines = [
        f"{modules[e.importer].rel}:{e.line} {e.importer} [{_layer_of(e.importer)}]"
        f" → {e.imported} [{_layer_of(e.imported)}]{' (dotted-path string)' if e.kind == 'string' else ''}"
        for e in sorted(bad, key=lambda e: (modules[e.importer].rel, e.line))
    ]
    if bad:
        pytest.fail(
            f"{len(bad)} import(s) point up or sideways (LAYERS, low → high: "
            f"{' < '.join('/'.join(layer) for layer in LAYERS)}):\n  "
            + "\n  ".join(lines)
            + "\nMove the code to the layer that owns it (the higher package calls the lower one), "
            "or pass what the lower module needs in as an argument.",
            pytrace=False,
        )


def test_no_import_cycles():
    modules, edges = _graph()
    cycles = contracts.import_cycles(edges)
    blocks = []
    for cycle in cycles:
        block = [f"cycle of {len(cycle.modules)} module(s): {' → '.join(cycle.chain)}"]
        block += [f"    {modules[e.importer].rel}:{e.line} {e.importer} → {e.imported}" for e in cycle.edges]
        blocks.append("\n".join(block))
    if cycles:
        pytest.fail(
            f"{len(cycles)} import cycle(s) (imports inside functions and under TYPE_CHECKING count):\n  "
            + "\n  ".join(blocks)
            + "\nBreak each by moving the shared code down into a module both can import.",
            pytrace=False,
        )


# --- self-tests: the checkers catch what they are meant to catch -------------------------


def _edges(sources: dict[str, str], packages: set[str] = frozenset()) -> list[contracts.Edge]:
    known = set(sources) | set(packages)
    edges = []
    for name, source in sources.items():
        edges += contracts.imports_of(name, ast.parse(source), known, is_package=name in packages)
    return edges


def test_layer_checker_catches_upward_imports_of_every_form():
    sources = {
        "closo.util": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from hubs.models import Hub\n",
        "hubs.models": "def f():\n    import fulfillment.services.returns\n",
        "hubs.urls": 'from django.urls import include\nurlpatterns = [include("inspections.urls")]\n',
        "fulfillment.services.returns": "from ..models import Sku\nfrom inspections import engine\n",
        "fulfillment.models": "from closo import util\n",
        "inspections.engine": "from fulfillment.services import returns\nfrom hubs.models import X\n",
        "inspections.urls": "",
        "closo.urls_public": "import inspections.urls\n",
    }
    bad = contracts.upward_imports(_edges(sources), LAYERS, ROOT_MODULES)
    assert {(e.importer, e.imported, e.line) for e in bad} == {
        ("closo.util", "hubs.models", 3),  # type-only
        ("hubs.models", "fulfillment.services.returns", 2),  # inside a function
        ("hubs.urls", "inspections.urls", 2),  # include("…") string
        ("fulfillment.services.returns", "inspections.engine", 2),  # from pkg import submodule
    }


def test_peer_packages_of_one_layer_may_not_import_each_other():
    edges = _edges({"a.x": "import b.y\n", "b.y": "import a.x\n"})
    assert len(contracts.upward_imports(edges, (("a", "b"),), set())) == 2


def test_cycle_checker_finds_cycles_and_self_imports_but_not_parent_packages():
    sources = {
        "pkg": "from pkg import sub\n",  # __init__ importing its submodule
        "pkg.sub": "x = 1\n",  # implicit import of `pkg` is no edge
        "pkg.a": "from . import b\n",
        "pkg.b": "def later():\n    from pkg.c import thing\n",
        "pkg.c": "from pkg.a import y\n",
        "pkg.selfish": "import pkg.selfish\n",
        "pkg.tasks": "from pkg.d import go\n",
        "pkg.d": 'async_task("pkg.tasks.run")\n',  # a string reference is no import-time cycle
    }
    cycles = contracts.import_cycles(_edges(sources, packages={"pkg"}))
    assert sorted(c.chain for c in cycles) == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"], ["pkg.selfish", "pkg.selfish"]]
    assert [(e.importer, e.line) for e in cycles[0].edges] == [("pkg.a", 1), ("pkg.b", 2), ("pkg.c", 1)]


def test_a_package_missing_from_layers_is_reported(tmp_path):
    for name in ("closo", "portals", "newapp"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "__init__.py").write_text("")
    (tmp_path / "scripts").mkdir()  # no __init__.py: not a package
    assert contracts.packages_without_layer(contracts.top_level_packages(tmp_path), LAYERS) == ["newapp"]
