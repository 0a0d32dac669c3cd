"""The package imports only downward: each layer may use the layers before it, never one after it.

Every ``import`` in every module of ``src/lifecircle`` is read from the source (function-level imports included),
so a cycle hidden inside a function is found too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import lifecircle

PACKAGE = Path(lifecircle.__file__).parent

#: Top-level modules and subpackages of lifecircle, lowest layer first. Units in one layer are independent of
#: each other (planning and scenarios, say, never import one another).
LAYERS: list[set[str]] = [
    {"__init__", "atomic", "errors", "progress", "sample_data", "sources"},
    {"network"},
    {"points"},
    {"results"},
    {"engine"},
    {"indicators"},
    {"accessibility"},
    {"planning", "scenarios"},
    {"report"},
    {"monitor"},
    {"jobs"},
    {"serve", "batch"},
    {"cli"},
]
LAYER_OF = {unit: i for i, units in enumerate(LAYERS) for unit in units}


def _unit(module_path: Path) -> str:
    rel = module_path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imported_units(tree: ast.AST, module_path: Path) -> set[tuple[str, int]]:
    """(unit, line) for every lifecircle unit the module imports."""
    found: set[tuple[str, int]] = set()
    here = module_path.relative_to(PACKAGE).with_suffix("").parts
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "lifecircle":
                    found.add((parts[1] if len(parts) > 1 else "__init__", node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against this module's package
                base = list(here[: len(here) - node.level])
                parts = ["lifecircle", *base, *(node.module.split(".") if node.module else [])]
            elif node.module:
                parts = node.module.split(".")
            else:
                continue
            if parts[0] != "lifecircle":
                continue
            if len(parts) > 1:
                found.add((parts[1], node.lineno))
            else:  # from lifecircle import engine, __version__
                for alias in node.names:
                    name = alias.name
                    found.add((name if name in LAYER_OF else "__init__", node.lineno))
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_unit_has_a_layer():
    units = {_unit(p) for p in MODULES}
    assert units <= set(LAYER_OF), f"units without a layer: {sorted(units - set(LAYER_OF))}"


@pytest.mark.parametrize("module_path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_downward(module_path: Path):
    unit = _unit(module_path)
    tree = ast.parse(module_path.read_text(encoding="utf-8"))
    wrong = []
    for target, line in sorted(_imported_units(tree, module_path)):
        if target == unit:
            continue
        if LAYER_OF[target] > LAYER_OF[unit]:
            wrong.append(f"line {line}: {unit} (layer {LAYER_OF[unit]}) imports {target} (layer {LAYER_OF[target]})")
        elif LAYER_OF[target] == LAYER_OF[unit] and target != unit and LAYER_OF[unit] > 0:
            wrong.append(f"line {line}: {unit} imports {target} of the same layer")
    assert not wrong, "\n".join(wrong)


def test_checker_finds_an_upward_import(tmp_path: Path):
    """The walk sees an import hidden inside a function (the checker itself can fail)."""
    fake = PACKAGE / "engine" / "fake.py"
    tree = ast.parse("def f():\n    from lifecircle.report import build_report\n")
    assert ("report", 2) in _imported_units(tree, fake)
