"""House rules that keep the layout readable (the import layering itself is `lint-imports`, run by scripts/test.sh):
every package says what it holds, modules stay small, and no module reaches into another's private names."""

from __future__ import annotations

import ast

import pytest

from tests.paths import ROOT

PACKAGES = ("assistant", "retrieval", "prompts")
MAX_LINES = 420  # "about 400"
SOURCES = sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")) + [ROOT / "server.py"]


def _name(path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("init", sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("__init__.py")), ids=_name)
def test_every_package_says_what_it_holds(init):
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert doc and len(doc.split()) >= 8, f"{_name(init)} needs a docstring saying what the package holds"


def test_modules_stay_small():
    big = {_name(p): n for p in SOURCES if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not big, f"modules over {MAX_LINES} lines: {big}"


def test_no_module_imports_another_modules_private_names():
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PACKAGES:
                found += [f"{_name(path)}: from {node.module} import {a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")]
    assert not found, "private names imported across modules:\n" + "\n".join(found)
