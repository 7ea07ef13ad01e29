"""The folders' layering, read from the source: each layer imports only the layers below it,
so there is no cycle between them and a lower layer runs without the ones above (the model
code without TFX components, the pipeline's definition without its runners).

    pipeline.cli -> pipeline.api -> pipeline.runners -> pipeline.report
        -> pipeline.definition -> components -> modeling -> search
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

# Lowest first; a module belongs to the longest prefix that names it.
LAYERS = (
    ("search",),
    ("modeling",),
    ("components",),
    ("pipeline.definition",),
    ("pipeline.report",),
    ("pipeline.runners",),
    ("pipeline.api", "pipeline.terminal"),
    ("pipeline.cli",),
)
RANK = {prefix: rank for rank, prefixes in enumerate(LAYERS) for prefix in prefixes}


def layer(module: str) -> str | None:
    for prefix in sorted(RANK, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return prefix
    return None


def imported(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # ``from pipeline.report import messages`` imports pipeline.report.messages
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def own_modules() -> dict[str, Path]:
    files = {}
    for top in ("search", "modeling", "components", "pipeline"):
        for path in (REPO / top).rglob("*.py"):
            files[".".join(path.relative_to(REPO).with_suffix("").parts)] = path
    return files


def test_no_layer_imports_a_layer_above_it():
    upward = []
    for module, path in own_modules().items():
        mine = layer(module)
        if mine is None:  # pipeline/__init__.py: the package itself
            continue
        for name in imported(path):
            theirs = layer(name)
            if theirs is not None and RANK[theirs] > RANK[mine]:
                upward.append(f"{module} imports {name}")
    assert not upward, upward


def test_every_module_of_the_project_has_a_layer():
    """A new folder must be placed in LAYERS, or the test above would not see it."""
    unplaced = [m for m in own_modules() if layer(m) is None and m != "pipeline.__init__"]
    assert not unplaced, unplaced


def test_the_check_sees_an_upward_import(tmp_path):
    """The reader finds imports inside functions too, where the lazy ones live."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from pipeline.runners import local_run\n")
    assert "pipeline.runners.local_run" in imported(probe)
    assert RANK[layer("pipeline.runners.local_run")] > RANK[layer("pipeline.definition.config")]
