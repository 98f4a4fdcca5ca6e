"""Checkers behind the contract tests (tests/test_architecture.py, tests/test_contracts.py).

Each checker is a pure function of source text, a module graph, classes or URL patterns,
so the self-tests can feed it a synthetic violation. Modules are discovered on disk, never
listed by hand: a new app or a new module is checked the day it appears."""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Top-level directories that hold Python but are not product code.
NOT_PRODUCT = {"tests"}
# Calls whose first argument is a dotted path Django or django-q2 imports later: a
# dependency as real as an import statement, only resolved at call time.
STRING_IMPORT_CALLS = {"include", "async_task", "schedule", "import_string", "import_module"}


# --- discovery ---------------------------------------------------------------------------


@dataclass
class Module:
    name: str  # dotted: fulfillment.services.returns
    path: Path
    is_package: bool

    @property
    def rel(self) -> str:
        return str(self.path.relative_to(ROOT))


def top_level_packages(root: Path = ROOT) -> list[str]:
    """Every top-level directory that is a package or a Django app, except the test suite."""
    return sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir()
        and not p.name.startswith(".")
        and p.name not in NOT_PRODUCT
        and ((p / "__init__.py").is_file() or (p / "apps.py").is_file())
    )


def discover_modules(packages: Iterable[str], root: Path = ROOT) -> dict[str, Module]:
    """Every module of `packages` (management commands included), without `migrations/`.
    A sub-directory without `__init__.py` still counts: Python imports it as a namespace
    package."""
    modules: dict[str, Module] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if "migrations" in parts or "__pycache__" in parts or not all(p.isidentifier() for p in parts):
                continue
            is_package = parts[-1] == "__init__"
            name = ".".join(parts[:-1] if is_package else parts)
            modules[name] = Module(name, path, is_package)
    return modules


def parse(module: Module) -> ast.Module:
    return ast.parse(module.path.read_text(), filename=str(module.path))


# --- 1. import graph ---------------------------------------------------------------------


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    line: int
    kind: str = "import"  # or "string" (a dotted path given to include()/async_task()/…)


def _resolve(dotted: str, known: set[str]) -> str | None:
    """The longest known module that `dotted` names or lies inside."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        candidate = ".".join(parts[:i])
        if candidate in known:
            return candidate
    return None


def _relative_base(importer: str, is_package: bool, level: int) -> str:
    package = importer if is_package else importer.rpartition(".")[0]
    for _ in range(level - 1):
        package = package.rpartition(".")[0]
    return package


def imports_of(name: str, tree: ast.AST, known: set[str], *, is_package: bool = False) -> list[Edge]:
    """Every import of a known module in `tree`: module level, inside functions, under
    `if TYPE_CHECKING:` alike. `from pkg import name` points at `pkg.name` when that is a
    module. Implicit parent-package imports are not edges; only what a statement names."""
    edges: list[Edge] = []

    def add(target: str | None, line: int, kind: str = "import") -> None:
        edge = Edge(name, target, line, kind)
        if target is not None and edge not in edges:  # `from m import a, b` is one edge
            edges.append(edge)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(_resolve(alias.name, known), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _relative_base(name, is_package, node.level)
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                add(submodule if submodule in known else _resolve(source, known), node.lineno)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            first = node.args[0]
            if called in STRING_IMPORT_CALLS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                add(_resolve(first.value, known), node.lineno, "string")
    return edges


def import_graph(modules: dict[str, Module]) -> list[Edge]:
    known = set(modules)
    edges: list[Edge] = []
    for module in modules.values():
        edges += imports_of(module.name, parse(module), known, is_package=module.is_package)
    return edges


def layer_index(layers: tuple[tuple[str, ...], ...]) -> dict[str, int]:
    return {package: i for i, names in enumerate(layers) for package in names}


def is_root(module: str, root_modules: Iterable[str]) -> bool:
    return any(module == r or module.startswith(r + ".") for r in root_modules)


def upward_imports(
    edges: Iterable[Edge], layers: tuple[tuple[str, ...], ...], root_modules: Iterable[str]
) -> list[Edge]:
    """Edges from a module to another package of the same or a higher layer. Root modules
    (settings, root URLconfs) assemble the apps and may import anything."""
    index = layer_index(layers)
    bad = []
    for edge in edges:
        src, dst = edge.importer.split(".")[0], edge.imported.split(".")[0]
        if src == dst or is_root(edge.importer, root_modules) or src not in index or dst not in index:
            continue
        if index[dst] >= index[src]:
            bad.append(edge)
    return bad


def packages_without_layer(packages: Iterable[str], layers: tuple[tuple[str, ...], ...]) -> list[str]:
    index = layer_index(layers)
    return [p for p in packages if p not in index]


def strongly_connected(nodes: Iterable[str], adjacency: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative. Returns every component, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in sorted(nodes):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(adjacency.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(adjacency.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
    return components


def _shortest_cycle(start: str, adjacency: dict[str, set[str]], within: set[str]) -> list[str]:
    """start → … → start by breadth-first search inside one component."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(adjacency.get(node, ())):
                if child not in within:
                    continue
                if child == start:
                    chain = [node]
                    while chain[-1] != start:
                        chain.append(previous[chain[-1]])
                    return [*reversed(chain), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    return [start, start]


@dataclass
class Cycle:
    modules: list[str]
    chain: list[str]  # a → b → a
    edges: list[Edge] = field(default_factory=list)  # every import inside the component


def import_cycles(edges: Iterable[Edge]) -> list[Cycle]:
    """Import cycles: strongly connected components of more than one module, and modules
    importing themselves. String references (include(), async_task()) are looked up when
    called, never at import time, so they are left out here."""
    real = [e for e in edges if e.kind == "import"]
    adjacency: dict[str, set[str]] = {}
    for edge in real:
        adjacency.setdefault(edge.importer, set()).add(edge.imported)
    nodes = set(adjacency) | {e.imported for e in real}
    cycles = []
    for component in strongly_connected(nodes, adjacency):
        members = set(component)
        if len(component) == 1 and component[0] not in adjacency.get(component[0], ()):
            continue
        inside = sorted(
            {e for e in real if e.importer in members and e.imported in members},
            key=lambda e: (e.importer, e.line, e.imported),
        )
        cycles.append(Cycle(component, _shortest_cycle(component[0], adjacency, members), inside))
    return cycles


# --- 2. domain errors --------------------------------------------------------------------


def import_all(modules: Iterable[Module]) -> list[str]:
    """Import every module; returns `name: error` for those that fail to import."""
    failures = []
    for module in modules:
        try:
            importlib.import_module(module.name)
        except Exception as exc:
            failures.append(f"{module.rel}: {type(exc).__name__}: {exc}")
    return failures


def all_subclasses(cls: type) -> list[type]:
    seen: list[type] = []
    todo = [cls]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.append(sub)
                todo.append(sub)
    return seen


def where(obj) -> str:
    try:
        path = Path(inspect.getsourcefile(obj))
        line = inspect.getsourcelines(obj)[1]
    except (TypeError, OSError):
        return getattr(obj, "__module__", "?")
    if path.is_relative_to(ROOT):
        path = path.relative_to(ROOT)
    return f"{path}:{line}"


def dotted(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def code_clashes(classes: Iterable[type]) -> tuple[dict[str, list[type]], dict[str, dict[int, list[type]]]]:
    """(code → classes when more than one class carries it, code → {status: classes} when
    the code maps to more than one status). A subclass that does not set its own `code`
    carries its parent's, so it counts as a second class with that code."""
    by_code: dict[str, list[type]] = {}
    for cls in classes:
        by_code.setdefault(cls.code, []).append(cls)
    shared = {code: group for code, group in by_code.items() if len(group) > 1}
    statuses: dict[str, dict[int, list[type]]] = {}
    for code, group in by_code.items():
        per_status: dict[int, list[type]] = {}
        for cls in group:
            per_status.setdefault(cls.status, []).append(cls)
        if len(per_status) > 1:
            statuses[code] = per_status
    return shared, statuses


def _dotted_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted_name(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def _lookup(name: str, namespace: dict):
    head, *rest = name.split(".")
    if head not in namespace:
        return None
    obj = namespace[head]
    for attr in rest:
        obj = getattr(obj, attr, None)
    return obj


def _is_error(node: ast.expr, namespace: dict, error_names: set[str], base: type) -> bool:
    """Does this expression name `base` or a subclass? Resolved in the module's globals;
    a name the globals do not hold (imported inside a function) is matched by class name."""
    name = _dotted_name(node)
    if name is None:
        return False
    obj = _lookup(name, namespace)
    if obj is not None:
        return isinstance(obj, type) and issubclass(obj, base)
    return name.rpartition(".")[2] in error_names


def error_classes_outside_exceptions(
    tree: ast.AST, filename: str, namespace: dict, error_names: set[str], base: type
) -> list[str]:
    """Classes (at any depth) deriving from `base` defined in a file not named exceptions.py."""
    if Path(filename).name == "exceptions.py":
        return []
    names = set(error_names)
    found: dict[int, str] = {}
    changed = True
    while changed:  # a subclass of a local subclass is one too
        changed = False
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ClassDef)
                and node.lineno not in found
                and any(_is_error(b, namespace, names, base) or _dotted_name(b) in names for b in node.bases)
            ):
                found[node.lineno] = f"{filename}:{node.lineno} class {node.name}"
                names.add(node.name)
                changed = True
    return [found[line] for line in sorted(found)]


def code_keyword_calls(tree: ast.AST, filename: str, namespace: dict, error_names: set[str], base: type) -> list[str]:
    """Calls `X(..., code=...)` (raised or not) where X is `base` or a subclass."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and any(k.arg == "code" for k in node.keywords)
            and _is_error(node.func, namespace, error_names, base)
        ):
            found.append((node.lineno, f"{filename}:{node.lineno} {_dotted_name(node.func)}(..., code=...)"))
    return [text for _, text in sorted(found)]


# --- 3. idempotent POST APIs -------------------------------------------------------------


@dataclass
class Route:
    route: str
    callback: object


def walk_patterns(patterns, prefix: str = "") -> Iterator[Route]:
    from django.urls import URLPattern, URLResolver

    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk_patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield Route(prefix + str(entry.pattern), entry.callback)


def handles_post(callback) -> type | None:
    """The DRF view class behind `callback` when it answers POST, else None."""
    from rest_framework.views import APIView

    cls = getattr(callback, "cls", None)
    if not (isinstance(cls, type) and issubclass(cls, APIView)):
        return None
    actions = getattr(callback, "actions", None)  # a ViewSet routed through a router
    if actions is not None:
        return cls if "post" in actions else None
    return cls if "post" in cls.http_method_names and callable(getattr(cls, "post", None)) else None


@dataclass
class PostCheck:
    missing: list[str]  # neither idempotent nor exempt
    misordered: list[str]  # mixin after APIView in the MRO: its initial() never runs
    stale: list[str]  # exemptions that no longer apply


def check_post_views(routes: Iterable[Route], mixin: type, exempt: dict[str, str]) -> PostCheck:
    from rest_framework.views import APIView

    views: dict[type, list[str]] = {}
    for route in routes:
        cls = handles_post(route.callback)
        if cls is not None:
            views.setdefault(cls, []).append(route.route)
    missing, misordered = [], []
    for cls, paths in sorted(views.items(), key=lambda item: dotted(item[0])):
        shown = f"{where(cls)} {dotted(cls)} (POST {', '.join(sorted(set(paths)))})"
        if issubclass(cls, mixin):
            if cls.__mro__.index(mixin) > cls.__mro__.index(APIView):
                misordered.append(shown)
        elif dotted(cls) not in exempt:
            missing.append(shown)
    by_path = {dotted(cls): cls for cls in views}
    stale = []
    for path in sorted(exempt):
        if path in by_path:
            if issubclass(by_path[path], mixin):
                stale.append(f"{path}: is idempotent already (IdempotentPostMixin)")
            continue
        module, _, qualname = path.rpartition(".")
        try:
            found = _lookup(qualname, vars(importlib.import_module(module)))
        except ImportError:
            found = None
        stale.append(f"{path}: {'no longer routed as a POST view' if found else 'no such class'}")
    return PostCheck(missing, misordered, stale)


# --- 4. services pass `actor` on ---------------------------------------------------------

# Calls that only look at a value (a check), so an argument given to them is not passed on.
_INSPECTING_CALLS = {"isinstance", "issubclass", "hasattr", "getattr", "callable", "bool", "type", "id", "len"}


def _names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _passes_on(function: ast.FunctionDef | ast.AsyncFunctionDef, carriers: set[str]) -> bool:
    """Does a name in `carriers` reach a call argument, a return/yield, or an attribute or
    item store (event.actor = actor)? Names assigned from a carrier become carriers."""
    carriers = set(carriers)
    assigns = [n for n in ast.walk(function) if isinstance(n, ast.Assign | ast.AnnAssign | ast.NamedExpr)]
    changed = True
    while changed:
        changed = False
        for node in assigns:
            if node.value is None or not (_names_in(node.value) & carriers):
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if not isinstance(target, ast.Name | ast.Tuple | ast.List):
                    return True  # stored on an object: event.actor = actor, data["by"] = actor
                for n in ast.walk(target):
                    if isinstance(n, ast.Name) and n.id not in carriers:
                        carriers.add(n.id)
                        changed = True
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id in _INSPECTING_CALLS:
                continue
            values = [*node.args, *(k.value for k in node.keywords)]
            if any(_names_in(v) & carriers for v in values):
                return True
        elif (
            isinstance(node, ast.Return | ast.Yield | ast.YieldFrom)
            and node.value is not None
            and _names_in(node.value) & carriers
        ):
            return True
    return False


def functions_dropping_actor(tree: ast.AST, filename: str, param: str = "actor") -> list[str]:
    """Functions (top level, private, methods, nested) with a parameter `param` whose body
    never passes it on."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
            if param in params and not _passes_on(node, {param}):
                found.append((node.lineno, f"{filename}:{node.lineno} {node.name}()"))
    return [text for _, text in sorted(found)]


def is_service_module(name: str) -> bool:
    return "services" in name.split(".")[1:]


# --- 5. a status changes only through a state machine -------------------------------------

_UNRESOLVED = object()


def _value_of(node: ast.expr, namespace: dict):
    """A constant, or a dotted name resolved in the module's globals (e.g. `S.ROUTED`)."""
    if isinstance(node, ast.Constant):
        return node.value
    name = _dotted_name(node)
    if name is None:
        return _UNRESOLVED
    found = _lookup(name, namespace)
    return _UNRESOLVED if found is None else found


def _values_of(node: ast.expr, namespace: dict) -> list:
    """Every value an expression may take: both branches of `a if c else b`."""
    if isinstance(node, ast.IfExp):
        return _values_of(node.body, namespace) + _values_of(node.orelse, namespace)
    return [_value_of(node, namespace)]


def _model_of_create(func: ast.expr, namespace: dict) -> type | None:
    """The model of `Model.objects.create` / `Model._default_manager.create` / `Model(...)`."""
    from django.db import models

    target = func
    if isinstance(func, ast.Attribute) and func.attr == "create":
        target = func.value.value if isinstance(func.value, ast.Attribute) else None
    found = _value_of(target, namespace) if target is not None else _UNRESOLVED
    return found if isinstance(found, type) and issubclass(found, models.Model) else None


def status_writes(
    tree: ast.AST, filename: str, namespace: dict, initial: dict[type, set[str]], field: str = "status"
) -> list[str]:
    """Writes of `field` that bypass a state machine:

    - `obj.status = …` (also inside a tuple target),
    - `.update(status=…)`, `.save(update_fields=[…, "status", …])`,
      `update_or_create(…, defaults={"status": …})` / `bulk_update(…, ["status"])`,
    - `Model.objects.create(status=…)` or `Model(status=…)`, unless every value the
      expression may take is one of `initial[Model]` (the statuses a row is born with).
      A `.create` on anything else (a related manager) is reported: its model is unknown.
    """
    found: dict[tuple[int, str], str] = {}

    def report(node: ast.AST, what: str) -> None:
        found[(node.lineno, what)] = f"{filename}:{node.lineno} {what}"

    def names_field(node: ast.expr | None) -> bool:
        return isinstance(node, ast.List | ast.Tuple | ast.Set) and any(
            isinstance(e, ast.Constant) and e.value == field for e in node.elts
        )

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Attribute) and sub.attr == field and isinstance(sub.ctx, ast.Store):
                        report(node, f"{_dotted_name(sub) or '….' + field} = …")
        if not isinstance(node, ast.Call):
            continue
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        method = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if method == "update" and field in keywords:
            report(node, f".update({field}=…)")
        elif method == "save" and names_field(keywords.get("update_fields")):
            report(node, f'.save(update_fields=[…"{field}"…])')
        elif method == "bulk_update" and (names_field(keywords.get("fields")) or any(map(names_field, node.args))):
            report(node, f'.bulk_update(…, ["{field}"])')
        elif method == "update_or_create" and isinstance(keywords.get("defaults"), ast.Dict):
            if any(isinstance(k, ast.Constant) and k.value == field for k in keywords["defaults"].keys):
                report(node, f'.update_or_create(defaults={{"{field}": …}})')
        elif field in keywords and (method == "create" or _model_of_create(node.func, namespace)):
            model = _model_of_create(node.func, namespace)
            allowed = initial.get(model, set()) if model is not None else set()
            values = _values_of(keywords[field], namespace)
            if model is None or not all(v is not _UNRESOLVED and v in allowed for v in values):
                who = model.__name__ if model is not None else _dotted_name(node.func) or "?"
                report(node, f"{who}(…, {field}=…) not born in one of {sorted(allowed) or 'its initial statuses'}")
    return [found[key] for key in sorted(found)]


def initial_statuses(machines: Iterable) -> dict[type, set[str]]:
    """Per model with a state machine: the statuses a new row may have — the field's
    default and every status no move enters (e.g. a unit born `held`)."""
    initial: dict[type, set[str]] = {}
    for machine in machines:
        entered = {move.target for move in machine.moves}
        default = machine.model._meta.get_field(machine.field).get_default()
        initial[machine.model] = {str(status) for status in {default, *(set(machine.statuses) - entered)}}
    return initial
