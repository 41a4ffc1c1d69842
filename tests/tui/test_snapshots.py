"""How the main screens look, in Chinese and English, at 80×24 (and one wide caseload).

Update after a deliberate change with ``pytest tests/tui/test_snapshots.py --snapshot-update``
and look at the SVGs. The clock is frozen and the data fixed, so a difference is a change.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.tui.conftest import seed, settle
from tui.widgets.case_table import CaseTable

LANGS = ["en", "zh"]


@pytest.mark.parametrize("lang", LANGS)
def test_caseload(snap_compare: Any, make_app: Any, tui_ctx: Any, lang: str) -> None:
    seed(tui_ctx)
    assert snap_compare(make_app(lang=lang), terminal_size=(80, 24), run_before=settle)


def test_caseload_wide(snap_compare: Any, make_app: Any, tui_ctx: Any) -> None:
    seed(tui_ctx)
    assert snap_compare(make_app(), terminal_size=(160, 24), run_before=settle)


@pytest.mark.parametrize("lang", LANGS)
def test_empty(snap_compare: Any, make_app: Any, lang: str) -> None:
    assert snap_compare(make_app(lang=lang), terminal_size=(80, 24), run_before=settle)


@pytest.mark.parametrize("lang", LANGS)
def test_case_page(snap_compare: Any, make_app: Any, tui_ctx: Any, lang: str) -> None:
    refs = seed(tui_ctx)

    async def open_case(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.screen.query_one(CaseTable).select(refs["waiting"])
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(lang=lang), terminal_size=(80, 24), run_before=open_case)


@pytest.mark.parametrize("lang", LANGS)
def test_new_case_form_with_an_error(
    snap_compare: Any, make_app: Any, tui_ctx: Any, lang: str
) -> None:
    seed(tui_ctx)

    async def fill(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        pilot.app.screen.fields["amount"].widget.focus()
        await pilot.press("1", "2", "x")
        await settle(pilot)

    assert snap_compare(make_app(lang=lang), terminal_size=(80, 24), run_before=fill)
