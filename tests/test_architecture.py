"""The layers (conventions.md): imports only point downward.

app.py -> pages/ -> cdrlib/ui -> cdrlib/<domain> -> cdrlib/store. Only cdrlib/store talks SQL
(sqlalchemy); only cdrlib/ui (and app.py, pages/) import streamlit; pages hold no SQL and no polars
pipelines and import modules, not names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "cdrlib").rglob("*.py")])


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, imported names) of every import statement in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((a.name, []) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [a.name for a in node.names]))
    return found


def _is_module(package: str, name: str) -> bool:
    base = ROOT.joinpath(*package.split("."), name)
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_sources_are_found():
    assert any(_rel(p).startswith("cdrlib/store/") for p in SOURCES)
    assert any(_rel(p).startswith("pages/") for p in SOURCES)


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_layers(path: Path):
    rel = _rel(path)
    in_store = rel.startswith("cdrlib/store/")
    in_ui = rel.startswith("cdrlib/ui/")
    is_page = rel.startswith("pages/") or rel == "app.py"
    for module, names in _imports(path):
        top = module.split(".")[0]
        if top == "sqlalchemy":
            assert in_store, f"{rel} imports sqlalchemy: only cdrlib/store talks SQL"
        if top == "streamlit":
            assert in_ui or is_page, f"{rel} imports streamlit: only cdrlib/ui, pages and app.py may"
        if module.startswith("cdrlib.ui"):
            assert in_ui or is_page, f"{rel} imports cdrlib.ui: the domain must not depend on the UI"
        if in_store and module.startswith("cdrlib.") and not module.startswith("cdrlib.store"):
            assert module in ("cdrlib.model", "cdrlib.errors"), f"{rel} imports {module}: the store sits lowest"
        if is_page:
            assert top != "polars", f"{rel} imports polars: pipelines belong in cdrlib"
            assert not module.startswith("cdrlib.store"), f"{rel} imports the store: go through cdrlib"
            if module.startswith("cdrlib"):
                for name in names:
                    assert _is_module(module, name), f"{rel}: import modules (from cdrlib import x), not {name}"
