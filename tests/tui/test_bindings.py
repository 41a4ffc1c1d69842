"""Every key binding of the TUI has an id, a description and an explicit ``show=``."""

from __future__ import annotations

import ast
from pathlib import Path

from tui.i18n_tui import KEYS

TUI = Path(__file__).resolve().parents[2] / "tui"


def test_every_binding_has_an_id_a_description_and_an_explicit_show() -> None:
    found = 0
    for path in TUI.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Binding":
                keywords = {k.arg for k in node.keywords}
                where = f"{path.name}:{node.lineno}"
                assert {"id", "show"} <= keywords, where
                assert len(node.args) >= 3 or "description" in keywords, where
                ident = next(k.value for k in node.keywords if k.arg == "id")
                assert isinstance(ident, ast.Constant) and ident.value in KEYS, where  # zh too
                found += 1
    assert found >= 30
