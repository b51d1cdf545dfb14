"""The package tree is the pipeline (docs/design.md §8).

Every import in ``sim/`` and ``cli/`` (at module level and inside functions alike) is
read from the source and checked:

* a module imports only from its own stage or the stages before it;
* the import graph has no cycle;
* no private name (``_name``) is imported from another subpackage.

The repository's ``sim/`` installs as ``drawdown`` and ``cli/`` as ``drawdown.cli``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"drawdown": ROOT / "sim", "drawdown.cli": ROOT / "cli"}

#: The stages, in pipeline order; a module of a stage may import from its own stage or
#: an earlier one. ``drawdown`` itself (the package's ``__init__``) sits above the API,
#: and the command line above everything.
STAGES = [
    "drawdown.errors",
    "drawdown.limits",
    "drawdown.version",
    "drawdown.defaults",
    "drawdown.scenario",
    "drawdown.draws",
    "drawdown.engines",
    "drawdown.results",
    "drawdown.report",
    "drawdown.batch",
    "drawdown.analysis",
    "drawdown.api",
    "drawdown",
    "drawdown.cli",
]
LEVEL = {"drawdown.errors": 0, "drawdown.limits": 0, "drawdown.version": 0, "drawdown.defaults": 0}
LEVEL.update({stage: i for i, stage in enumerate(STAGES[4:], start=1)})


def modules() -> dict[str, Path]:
    """Every module of the package, by its import name."""
    out = {}
    for package, folder in FOLDERS.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([package, *parts])] = path
    return out


def stage_of(module: str) -> str:
    """The stage a module belongs to: the longest stage name that is its prefix."""
    best = ""
    for stage in STAGES:
        if (module == stage or module.startswith(stage + ".")) and len(stage) > len(best):
            best = stage
    if not best:
        raise ValueError(f"{module} belongs to no stage")
    return best


def _is_package(name: str, known: dict[str, Path]) -> bool:
    return name in known and known[name].name == "__init__.py"


def imports_of(module: str, path: Path, known: dict[str, Path]) -> list[tuple[str, tuple[str, ...]]]:
    """``(target module, names)`` for every import of the package in ``path``."""
    package = module if _is_package(module, known) else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(a.name, ()) for a in node.names if a.name.split(".")[0] == "drawdown"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").split(".")[0] == "drawdown":
                target = node.module
            else:
                continue
            names = tuple(a.name for a in node.names)
            # ``from . import x`` names a module where x is one
            submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in known]
            out += [(m, ()) for m in submodules] or [(target, names)]
    return out


def graph(known: dict[str, Path]) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    return {m: imports_of(m, p, known) for m, p in known.items()}


def layer_violations(edges: dict) -> list[str]:
    bad = []
    for module, targets in edges.items():
        own = LEVEL[stage_of(module)]
        for target, _ in targets:
            if LEVEL[stage_of(target)] > own:
                bad.append(f"{module} imports {target}, a later stage")
    return bad


def private_crossings(edges: dict) -> list[str]:
    bad = []
    for module, targets in edges.items():
        for target, names in targets:
            if stage_of(target) == stage_of(module):
                continue
            bad += [f"{module} imports {target}.{n}" for n in names if n.startswith("_") and n != "__version__"]
    return bad


def find_cycle(edges: dict) -> list[str] | None:
    """One cycle of the import graph, as a list of modules, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for target, _ in edges.get(m, ()):
            if target == m or target not in edges:
                continue
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(edges):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


@pytest.fixture(scope="module")
def edges():
    known = modules()
    assert "drawdown.engines.numpy_engine" in known and "drawdown.cli.main" in known
    return graph(known)


def test_every_module_belongs_to_a_stage(edges):
    for module in edges:
        stage_of(module)


def test_modules_import_only_their_own_stage_or_earlier(edges):
    assert layer_violations(edges) == []


def test_the_import_graph_has_no_cycle(edges):
    assert find_cycle(edges) is None


def test_no_private_name_crosses_a_subpackage(edges):
    assert private_crossings(edges) == []


def test_only_the_engines_package_runs_the_engine_modules(edges):
    """Above the engines, replications run through ``drawdown.engines.run_blocks``."""
    engine_modules = {"drawdown.engines.numpy_engine", "drawdown.engines.simpy_engine"}
    for module, targets in edges.items():
        if stage_of(module) != "drawdown.engines":
            assert not engine_modules & {t for t, _ in targets}, module


def test_the_checks_see_what_they_are_for():
    later = {"drawdown.scenario.model": [("drawdown.batch", ("run",))], "drawdown.batch": []}
    assert layer_violations(later) == ["drawdown.scenario.model imports drawdown.batch, a later stage"]
    circle = {"drawdown.report.a": [("drawdown.report.b", ())], "drawdown.report.b": [("drawdown.report.a", ())]}
    assert find_cycle(circle) == ["drawdown.report.a", "drawdown.report.b", "drawdown.report.a"]
    private = {"drawdown.batch.sweep": [("drawdown.results.store", ("_umask",))]}
    assert private_crossings(private) == ["drawdown.batch.sweep imports drawdown.results.store._umask"]


def test_relative_imports_resolve_to_modules(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "__init__.py").write_text("")
    src = tmp_path / "x" / "m.py"
    src.write_text(
        "from ..draws import BLOCK_SIZE\nfrom . import n\n\ndef f():\n    from ..batch.fold import summarize\n"
    )
    known = {"drawdown.results": tmp_path / "x" / "__init__.py", "drawdown.results.m": src, "drawdown.results.n": src}
    assert imports_of("drawdown.results.m", src, known) == [
        ("drawdown.draws", ("BLOCK_SIZE",)),
        ("drawdown.results.n", ()),
        ("drawdown.batch.fold", ("summarize",)),
    ]


MAX_FUNCTION_LINES = 80


def long_functions(path: Path, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """Functions of ``path`` longer than ``limit`` lines (docstring included)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines = node.end_lineno - node.lineno + 1
            if lines > limit:
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                out.append(f"{where}:{node.lineno} {node.name} ({lines} lines)")
    return out


def test_no_function_in_the_package_is_over_80_lines():
    """Small functions (ruff's C901, configured in pyproject.toml, bounds their complexity)."""
    found = [f for path in sorted((ROOT / "sim").rglob("*.py")) for f in long_functions(path)]
    assert found == []


def test_long_functions_are_seen(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("def f():\n" + "    x = 1\n" * 80 + "\n\ndef g():\n    pass\n")
    assert [s.split()[1] for s in long_functions(src)] == ["f"]


def unannotated(path: Path) -> list[str]:
    """Public functions and methods of public classes in ``path`` missing an annotation."""
    found = []

    def visit(body: list, prefix: str = "") -> None:
        for node in body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                visit(node.body, f"{prefix}{node.name}.")
            elif isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                args = [a for a in node.args.args + node.args.kwonlyargs if a.arg not in ("self", "cls")]
                if node.returns is None or any(a.annotation is None for a in args):
                    found.append(f"{path.name}: {prefix}{node.name}")

    visit(ast.parse(path.read_text(), str(path)).body)
    return found


def test_public_functions_are_annotated():
    paths = sorted((ROOT / "sim").rglob("*.py")) + sorted((ROOT / "cli").rglob("*.py"))
    assert [f for path in paths for f in unannotated(path)] == []


def test_missing_annotations_are_seen(tmp_path):
    src = tmp_path / "m.py"
    src.write_text(
        "def f(x) -> int:\n    return x\n\n\n"
        "class C:\n    def g(self, y: int):\n        pass\n\n    def _h(self, z):\n        pass\n"
    )
    assert unannotated(src) == ["m.py: f", "m.py: C.g"]
