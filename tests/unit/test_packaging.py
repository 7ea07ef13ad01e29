"""pyproject.toml declares what the product imports, at versions the lock installs: a `pip
install .` then gets every module `automl` imports (tfx and ml-pipelines-sdk aside: installed
without resolution, docs/environment.md)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO

PACKAGES = ("pipeline", "components", "modeling", "search")
NO_DEPS = {"tfx", "ml-pipelines-sdk"}  # requirements/no-deps.txt


def declared() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return [Requirement(d) for d in project["dependencies"]]


def locked() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements" / "stack.lock").read_text().splitlines():
        if found := re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^\s\\]+)", line):
            pins[canonicalize_name(found[1])] = found[3]
    return pins


def imported_modules() -> set[str]:
    names = set()
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - set(PACKAGES)


def test_every_declared_dependency_is_satisfied_by_the_lock():
    pins = locked()
    unmet = [
        (str(r), pins.get(canonicalize_name(r.name)))
        for r in declared()
        if not r.specifier.contains(pins.get(canonicalize_name(r.name), "0"), prereleases=True)
    ]
    assert not unmet


def test_every_third_party_module_the_product_imports_is_declared():
    names = {canonicalize_name(r.name) for r in declared()} | NO_DEPS
    providers = packages_distributions()
    undeclared = {
        module: providers.get(module)
        for module in imported_modules()
        if not {canonicalize_name(d) for d in providers.get(module, [])} & names
    }
    assert not undeclared
