"""The evidence dossier from the case page: ``d`` asks where, writes a real zip in a worker,
and says where it went; a path that cannot be written is refused in words, not a trace."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Select, Static

from cases import services
from cases.vocabulary import EvidenceKind
from tests.tui.conftest import open_case, screen_text, seed, settle, until
from tui.dialogs.dossier import DossierDialog
from tui.screens.case import CaseScreen

pytestmark = pytest.mark.asyncio


async def open_dossier_dialog(pilot: Any, ref: str) -> DossierDialog:
    app = pilot.app
    await open_case(pilot, ref)
    await pilot.press("d")
    await settle(pilot)
    assert isinstance(app.screen, DossierDialog)
    return app.screen


def notices(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


def attach(ctx: Any, ref: str, path: Path, kind: EvidenceKind) -> Any:
    """A real file kept as evidence of ``ref`` (through the use case, as the app does)."""
    path.write_bytes(f"{kind.value}: {path.name}".encode())
    return services.add_evidence(ctx, ref, path, kind)


async def test_d_writes_a_dossier_zip_with_its_manifest(
    make_app: Any, tui_ctx: Any, tmp_path: Path
) -> None:
    ref = seed(tui_ctx)["waiting"]
    attach(tui_ctx, ref, tmp_path / "订单截图.png", EvidenceKind.PURCHASE)
    services.set_province(tui_ctx, ref, "Jiangsu")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = await open_dossier_dialog(pilot, ref)
        path = dialog.fields["path"].widget
        assert isinstance(path, Input) and path.value.endswith(f"{ref}-dossier.zip")
        assert "evidence dossier" in screen_text(app)
        language = dialog.fields["lang"].widget
        assert isinstance(language, Select) and language.value == "zh"
        target = tmp_path / "out" / "dossier.zip"
        target.parent.mkdir()
        path.value = str(target)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, DossierDialog))
        assert isinstance(app.screen, CaseScreen)
        await until(pilot, lambda: any(str(target) in n for n in notices(app)))
        assert f"{ref}: dossier written to {target} (1 evidence files)" in notices(app)

    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist())
    assert manifest["ref"] == ref and manifest["lang"] == "zh"
    assert manifest["verification"]["ok"] is True and manifest["province"] == "江苏"
    assert {f["path"] for f in manifest["files"]} <= names
    assert {"index.md", "index.html", "case.json", "timeline.json"} <= names
    assert [e["original_name"] for e in manifest["evidence"]] == ["订单截图.png"]
    assert not list(target.parent.glob(".*.part"))  # written through a temporary file


async def test_a_path_that_cannot_be_written_is_refused_in_words(
    make_app: Any, tui_ctx: Any, tmp_path: Path
) -> None:
    refs = seed(tui_ctx)
    app = make_app(lang="zh")
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = await open_dossier_dialog(pilot, refs["draft"])
        path = dialog.fields["path"].widget
        assert isinstance(path, Input)
        missing = tmp_path / "no-such-folder" / "d.zip"
        path.value = str(missing)
        await settle(pilot)
        shown = str(dialog.query_one("#error-path", Static).render())
        assert f"目录 {missing.parent} 不存在" in shown  # as you type, under the field
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog and not missing.parent.exists()

        blocker = tmp_path / "a-file"
        blocker.write_text("not a folder")
        path.value = str(blocker / "d.zip")  # its "folder" is a file
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "不存在" in str(dialog.query_one("#error-path", Static).render())

        stuck = tmp_path / "stuck"  # the write itself fails: its temporary file is a folder
        (stuck / ".d.zip.part").mkdir(parents=True)
        path.value = str(stuck / "d.zip")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog and not (stuck / "d.zip").exists()
        shown = str(dialog.query_one("#error-path", Static).render())
        assert shown.startswith(f"无法写入 {stuck / 'd.zip'}：")

        folder = tmp_path / "dossiers"  # a folder: the default name goes inside it
        folder.mkdir()
        path.value = str(folder)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is not dialog)
        written = folder / f"{refs['draft']}-dossier.zip"
        assert zipfile.ZipFile(written).read("manifest.json")
        await until(pilot, lambda: any("证据材料包已写入" in n for n in notices(app)))


async def test_a_dossier_of_a_tampered_case_is_written_with_a_warning(
    make_app: Any, tui_ctx: Any, tmp_path: Path
) -> None:
    ref = seed(tui_ctx)["asked"]
    item = attach(tui_ctx, ref, tmp_path / "chat.png", EvidenceKind.COMMUNICATION)
    stored = tui_ctx.files.path_for(item.sha256)
    stored.chmod(0o644)
    stored.write_bytes(b"edited afterwards")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = await open_dossier_dialog(pilot, ref)
        target = tmp_path / "tampered.zip"
        dialog.fields["path"].widget.value = str(target)  # type: ignore[attr-defined]
        await pilot.press("enter")  # Enter in the field saves, as Ctrl+S does
        await until(pilot, lambda: any("failed the integrity check" in n
                                       for n in notices(app)))
        assert any(str(target) in n for n in notices(app))
    with zipfile.ZipFile(target) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert "完整性检查未通过" in archive.read("index.md").decode("utf-8")  # zh by default
    assert manifest["verification"]["ok"] is False
