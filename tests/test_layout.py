"""The tree shows the architecture: the local backend is one bounded folder behind a small control surface.

- Nothing outside ``helpers/local_backend/`` imports moto; the learner-facing modules reach the backend
  only through ``helpers/kit/backend.py`` (start, stop, status, reset, env, stats) and HTTP.
- Outside the folder (every module of ``helpers`` and its subpackages), only these names of it are used:
  its constants (``helpers.local_backend``), the fault plan the control surface validates (``faults``),
  the IAM evaluator (``policy``), and its atomic file write (``disk``).
- Inside the folder, nothing imports learner-facing modules.
- No import cycle anywhere in ``helpers`` (imports inside functions count too: they only hide a cycle).
- ``import helpers`` is light: boto3, pandas, xgboost, the SDK and matplotlib load on first use.
- No test module imports ``conftest`` or another test module: what tests share is in ``tests/support.py``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

HELPERS = Path(__file__).resolve().parent.parent / "helpers"
BACKEND = HELPERS / "local_backend"
ALLOWED_FROM_OUTSIDE = {"helpers.local_backend", "helpers.local_backend.disk", "helpers.local_backend.faults",
                        "helpers.local_backend.policy"}


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it (functions included), as absolute names."""
    package = ".".join(path.relative_to(HELPERS.parent).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_only_the_local_backend_imports_moto():
    offenders = {str(p.relative_to(HELPERS)) for p in outside_modules()
                 if any(m == "moto" or m.startswith("moto.") for m in imports(p))}
    assert offenders == set()


def as_module(name: str) -> str:
    """``helpers.local_backend.x.NAME`` -> the module it lives in (a name imported from a module is not one)."""
    parts = name.split(".")
    while parts and not (HELPERS.parent.joinpath(*parts).with_suffix(".py").exists()
                         or HELPERS.parent.joinpath(*parts, "__init__.py").exists()):
        parts.pop()
    return ".".join(parts)


def outside_modules() -> list[Path]:
    """Every module of ``helpers`` outside ``local_backend/``, in subpackages too."""
    return sorted(p for p in HELPERS.rglob("*.py") if BACKEND not in p.parents)


def test_outside_the_folder_only_the_control_surface_is_used():
    assert HELPERS / "kit" / "backend.py" in outside_modules()  # the walk reaches the subpackages
    used = {}
    for path in outside_modules():
        modules = {as_module(m) for m in imports(path) if m.startswith("helpers.local_backend")}
        if modules - ALLOWED_FROM_OUTSIDE:
            used[str(path.relative_to(HELPERS))] = sorted(modules - ALLOWED_FROM_OUTSIDE)
    assert used == {}


def test_the_folder_imports_no_learner_module():
    for path in BACKEND.rglob("*.py"):  # its subpackages too
        outside = {m for m in imports(path) if m.startswith("helpers") and not m.startswith("helpers.local_backend")}
        assert outside == set(), f"{path.relative_to(BACKEND)} imports learner modules {sorted(outside)}"


def module_name(path: Path) -> str:
    parts = path.relative_to(HELPERS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_import_cycle_in_helpers():
    graph = {}
    for path in HELPERS.rglob("*.py"):
        name = module_name(path)
        # "from . import x" names the package too; only the modules it names count as edges
        deps = {as_module(m) for m in imports(path) if m.startswith("helpers")} - {name, "helpers"}
        graph[name] = deps
    seen, stack = set(), []

    def visit(node: str) -> None:
        assert node not in stack, f"import cycle: {' -> '.join(stack[stack.index(node):] + [node])}"
        if node in seen:
            return
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            visit(dep)
        stack.pop()
        seen.add(node)

    for node in sorted(graph):
        visit(node)


def test_import_helpers_is_light():
    code = "import sys, helpers; print(sorted(m for m in ('boto3','pandas','xgboost','sagemaker','matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=HELPERS.parent)
    assert out.stdout.strip() == "[]", out.stdout


def test_no_test_module_imports_conftest_or_another_test_module():
    tests = HELPERS.parent / "tests"
    offenders = sorted(f"{path.name} imports {name}" for path in tests.glob("test_*.py")
                       for name in imports(path) if name.split(".")[0] == "conftest" or name.startswith("test_"))
    assert offenders == [], "move what they share to tests/support.py (or a conftest.py fixture)"



# The size guide: a module a newcomer reads in one sitting. The backend's modules are smaller still, each
# one job (state, wire format, routing) of one resource family.
BACKEND_LINES, OTHER_LINES = 200, 250


def test_every_module_keeps_to_the_size_guide():
    benchmarks = HELPERS.parent / "benchmarks"
    over = {}
    for path in [*HELPERS.rglob("*.py"), *benchmarks.rglob("*.py")]:
        limit = BACKEND_LINES if BACKEND in path.parents else OTHER_LINES
        lines = len(path.read_text().splitlines())
        if lines > limit:
            over[str(path.relative_to(HELPERS.parent))] = f"{lines} lines (guide: {limit})"
    assert over == {}


def test_the_package_docstring_maps_the_tree():
    """The top of ``helpers/`` holds the lessons and the package's face; everything else is in a subpackage,
    and the map in ``helpers/__init__.py`` names every module where it is (a newcomer reads the tree from it)."""
    import re

    import helpers

    words = set(re.findall(r"[a-z0-9_]+", helpers.__doc__))
    top = sorted(p.stem for p in HELPERS.glob("*.py") if p.stem != "__init__")
    assert len(top) <= 16, f"{len(top)} modules at the top of helpers/: {top}"
    subpackages = sorted(p.parent.name for p in HELPERS.glob("*/__init__.py") if p.parent != BACKEND)
    assert {f"{name}/" for name in subpackages} <= set(re.findall(r"[a-z_]+/", helpers.__doc__))
    unnamed = [name for name in top if name not in words]
    unnamed += [f"{package}/{p.stem}" for package in subpackages for p in (HELPERS / package).glob("*.py")
                if p.stem != "__init__" and p.stem not in words]
    assert unnamed == [], "name these in helpers/__init__.py's map"


def test_the_names_notebooks_and_instructors_use_keep_working():
    """The public names the architecture issue promised to keep, whatever moves behind them."""
    import importlib

    promised = {"helpers": ["session", "target", "workshop_bucket", "client"],
                "helpers.compare": ["versions_frame", "style_comparison", "plot_metrics"],
                "helpers.gate": ["evaluate", "Rule"], "helpers.audit": ["change_status", "approved_at", "rollback"],
                "helpers.dashboard": ["dashboard"],
                "helpers.deployer": ["subscribe", "unsubscribe", "newest_approved", "reconcile", "handle"]}
    missing = [f"{module}.{name}" for module, names in promised.items() for name in names
               if not callable(getattr(importlib.import_module(module), name, None))]
    assert missing == []
