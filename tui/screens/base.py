"""What every full screen can do: the dialogs that change cases, the views, help, language.

A screen opens a dialog and, when it is dismissed with a result, says so and asks the app
to poll the database at once, so every open screen shows the change.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from textual.binding import Binding, BindingType
from textual.screen import Screen

from cases.i18n import Lang
from tui.i18n_tui import localize_bindings, t

if TYPE_CHECKING:
    from tui.app import RefundflowApp


class BaseScreen(Screen[None]):
    """A full screen of the app (the caseload, a case, the outbox)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_case", "New", show=True, id="caseload.new"),
        Binding("i", "import_file", "Import", show=False, id="caseload.import"),
        Binding("m", "outbox", "Outbox", show=False, id="caseload.outbox"),
        Binding("s", "service", "Service", show=False, id="caseload.service"),
    ]

    FOOTER_HIDDEN: ClassVar[frozenset[str]] = frozenset()
    """Ids of inherited bindings this screen keeps off its footer (they still work and are
    listed by ``?`` and the palette): an 80-column footer holds about eight keys."""

    @property
    def rf_app(self) -> RefundflowApp:
        return self.app  # type: ignore[return-value]

    @property
    def ctx(self) -> Any:
        """The wired context (database, rules): use it in workers, it may still be loading."""
        return self.rf_app.ctx

    @property
    def settings(self) -> Any:
        return self.rf_app.settings

    @property
    def clock(self) -> Any:
        return self.rf_app.clock

    @property
    def lang(self) -> Lang:
        return self.rf_app.lang

    @property
    def selected_ref(self) -> str | None:
        """The case that "record", "evidence" and "letter" act on."""
        return None

    def on_mount(self) -> None:
        localize_bindings(self, self.lang)
        table = self._bindings.key_to_bindings  # per instance, as localize_bindings says
        for key, bindings in list(table.items()):
            table[key] = [replace(b, show=False) if b.id in self.FOOTER_HIDDEN else b
                          for b in bindings]

    def set_lang(self, lang: Lang) -> None:
        """The app switched language: bindings and every text on this screen follow."""
        localize_bindings(self, lang)
        for widget in self.query("*"):
            if hasattr(widget, "set_lang") and widget is not self:
                widget.set_lang(lang)
        self.refresh_bindings()

    # ---------------------------------------------------------------- dialogs
    def action_new_case(self) -> None:
        from tui.dialogs.new_case import NewCaseDialog

        self.app.push_screen(NewCaseDialog(self.ctx, self.lang), self._created)

    def _created(self, ref: str | None) -> None:
        if ref:
            self.notify(t("saved.case", self.lang, ref=ref))
            self.after_change(ref)

    def action_record_event(self) -> None:
        ref = self._need_case()
        if ref is None:
            return
        from tui.dialogs.event import EventDialog

        self.app.push_screen(EventDialog(self.ctx, ref, self.lang), self._recorded)

    def _recorded(self, result: tuple[str, str] | None) -> None:
        if result:
            ref, what = result
            self.notify(t("saved.event", self.lang, ref=ref, what=what))
            self.after_change(ref)

    def action_attach_evidence(self) -> None:
        ref = self._need_case()
        if ref is None:
            return
        from tui.dialogs.evidence import EvidenceDialog

        self.app.push_screen(EvidenceDialog(self.ctx, ref, self.lang), self._attached)

    def _attached(self, result: tuple[str, str] | None) -> None:
        if result:
            ref, name = result
            self.notify(t("saved.evidence", self.lang, ref=ref, name=name))
            self.after_change(ref)

    def action_import_file(self) -> None:
        from tui.dialogs.import_file import ImportDialog

        self.app.push_screen(ImportDialog(self.ctx, self.lang), self._imported)

    def _imported(self, count: int | None) -> None:
        if count is not None:
            self.notify(t("saved.import", self.lang, n=count))
            self.after_change(None)

    def after_change(self, ref: str | None) -> None:
        """Something was saved from this screen: read the database again now."""
        self.rf_app.poll_now()

    def _need_case(self) -> str | None:
        ref = self.selected_ref
        if ref is None:
            self.notify(t("nocase", self.lang), severity="warning")
        return ref

    # ---------------------------------------------------------------- views
    def action_outbox(self) -> None:
        from tui.screens.outbox import OutboxScreen

        if not isinstance(self, OutboxScreen):
            self.app.push_screen(OutboxScreen())

    def action_service(self) -> None:
        from tui.dialogs.service import ServiceDialog

        self.app.push_screen(ServiceDialog(self.rf_app.service_status, self.lang))

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def help_rows(self) -> list[tuple[str, str]]:
        """Every key of this screen (and the focused widget, and the app) with what it does,
        keys of one binding together: ``↑/k  Up``. Textual's own bindings are left out."""
        from tui.i18n_tui import KEYS

        keys: dict[str, list[str]] = {}
        described: dict[str, str] = {}
        for active in self.active_bindings.values():
            binding = active.binding
            if binding.id not in KEYS:
                continue
            keys.setdefault(binding.id, []).append(self.app.get_key_display(binding))
            described[binding.id] = binding.description
        return [("/".join(dict.fromkeys(keys[i])), described[i]) for i in keys]
