"""The floor plan holds: imports only run down, in no circle, at most nine floors deep; no folder is
crowded; every module imports as ``import docbatch.a.b as m``.

Imports are read from the source (``ast``), every ``import`` statement counted, also those inside
functions (a lazy import is still a dependency). Circles and floors are about what runs, so they
leave out imports under ``if TYPE_CHECKING:`` (annotations only); the rule that imports run down
counts those too. A module's *floor* is one more than the highest floor it imports; a module
importing nothing of docbatch is on floor 1.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from functools import cache
from pathlib import Path

import docbatch

PACKAGE = Path(docbatch.__file__).parent
MAX_FLOORS = 9
MAX_MODULES_PER_FOLDER = 16

#: The parts, lowest first. A module may import its own part and the parts below it, never one
#: above nor one beside it on the same level.
PARTS: dict[str, int] = {
    # ground floor: the words every part exchanges, and utilities with no part of their own
    "model": 0,
    "errors": 0,
    "elements": 0,
    "paths": 0,
    "sanitize": 0,
    "languages": 0,
    "locations": 0,
    "shaping": 0,
    # the independent parts; stores: one connection per store, for its source and its destination
    "partitioners": 1,
    "chunking": 1,
    "embedding": 1,
    "stores": 1,
    # where documents come from and outputs go, each on the connection of its store
    "sources": 2,
    "destinations": 2,
    # one document, end to end
    "document": 2,
    # the run
    "runner": 3,
    # the faces
    "cli": 4,
    "ray": 4,  # Ray Data's Partitioner
    "__init__": 5,
    "__main__": 5,
}
#: The ground floor imports no part but the ground floor; model.py imports nothing of docbatch.
GROUND_ONLY_IMPORTS = {"model": set()}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


@cache
def imports_of(module: str, *, typing: bool = False) -> frozenset[str]:
    """The docbatch modules ``module`` imports, anywhere in its source (with ``typing``, also
    those imported only under ``if TYPE_CHECKING:``)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if _is_type_checking(block) for n in ast.walk(block)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only and not typing:
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [_imported(node.module, a.name) for a in node.names]
        else:
            continue
        found.update(n for n in names if n in MODULES and n != module)
    return frozenset(found)


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imported(module: str, name: str) -> str:
    """What ``from module import name`` depends on: the submodule ``name``, or ``module``."""
    return f"{module}.{name}" if f"{module}.{name}" in MODULES else module


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _cycle() -> list[str] | None:
    """One import circle, as the modules along it, or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for dep in sorted(imports_of(m)):
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep]
            if dep not in state and (found := visit(dep)):
                return found
        path.pop()
        state[m] = 2
        return None

    for m in MODULES:
        if m not in state and (found := visit(m)):
            return found
    return None


def floors() -> dict[str, int]:
    """Each module's floor (see the module docstring); call only without circles."""

    @cache
    def floor(m: str) -> int:
        return 1 + max((floor(d) for d in imports_of(m)), default=0)

    return {m: floor(m) for m in MODULES}


def _longest_chain() -> list[str]:
    fl = floors()
    chain = [max(fl, key=lambda m: (fl[m], m))]
    while imports_of(chain[-1]):
        chain.append(max(imports_of(chain[-1]), key=lambda m: (fl[m], m)))
    return chain


def test_every_module_has_a_part():
    assert {_part(m) for m in MODULES} <= set(PARTS)


def test_the_checks_see_what_they_check():
    """The readers of imports find a known import, a lazy one, and one only for annotations."""
    assert "docbatch.model" in imports_of("docbatch.runner.worker")
    assert "docbatch.chunking.tables" in imports_of("docbatch.chunking.strategies")  # inside a function
    assert "docbatch.runner.pipeline" not in imports_of("docbatch.runner.report")
    assert "docbatch.runner.pipeline" in imports_of("docbatch.runner.report", typing=True)


def test_no_import_circle():
    assert _cycle() is None


def test_no_import_runs_back_up_or_sideways():
    wrong = []
    for m in MODULES:
        part = _part(m)
        for dep in imports_of(m, typing=True):
            dep_part = _part(dep)
            if dep_part != part and PARTS[dep_part] >= PARTS[part] > 0:
                wrong.append(f"{m} -> {dep}")
            if part in GROUND_ONLY_IMPORTS and dep_part not in GROUND_ONLY_IMPORTS[part]:
                wrong.append(f"{m} -> {dep} (imports nothing of docbatch)")
    assert wrong == []


def test_at_most_nine_floors():
    assert _cycle() is None
    chain = _longest_chain()
    assert len(chain) <= MAX_FLOORS, " -> ".join(chain)


def test_no_folder_over_sixteen_modules():
    folders: dict[Path, int] = {}
    for path in MODULES.values():
        folders[path.parent] = folders.get(path.parent, 0) + 1
    crowded = {str(f.relative_to(PACKAGE.parent)): n for f, n in folders.items() if n > MAX_MODULES_PER_FOLDER}
    assert crowded == {}


def test_every_module_imports_by_its_dotted_name():
    names = [m.name for m in pkgutil.walk_packages(docbatch.__path__, "docbatch.")]
    assert set(names) | {"docbatch"} == set(MODULES)
    for name in names:
        if name == "docbatch.__main__":  # runs the CLI on import
            continue
        namespace: dict = {}
        exec(f"import {name} as m", namespace)  # fails when a name on the way shadows a package
        assert namespace["m"] is importlib.import_module(name)


def test_no_public_name_shadows_a_subpackage():
    for info in pkgutil.iter_modules(docbatch.__path__):
        value = getattr(docbatch, info.name, None)
        assert value is None or value is importlib.import_module(f"docbatch.{info.name}"), info.name
