"""Forms that validate as you type and save through one use case, or not at all.

Each field has a parser from ``cases/parsing.py`` (the CLI's), so an error reads as on the
command line, in the user's language, right under the field. Saving runs the use case in
a thread worker; the dialog closes with the result only when the transaction committed.
An error from the use case is shown under the field it concerns (or above the buttons).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from cases.i18n import InvalidInput, Lang, RefundflowError, Text
from cases.parsing import required
from tui.i18n_tui import localize_bindings, t

T = TypeVar("T")


@dataclass
class Field:
    """One form field: its widget, how to read it, whether it may stay empty."""

    name: str
    label: str
    widget: Widget
    parse: Callable[[Any], Any] = lambda value: value
    optional: bool = False
    touched: bool = field(default=False, init=False)


class Invalid(Exception):
    """A field's value cannot be used; ``text`` is what to show under it."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def raw(widget: Widget) -> Any:
    if isinstance(widget, Input):
        return widget.value
    if isinstance(widget, Select):
        return None if widget.value is Select.NULL else widget.value
    if isinstance(widget, Checkbox):
        return widget.value
    return None


class FormDialog(ModalScreen[T]):
    """A modal form returning ``T`` through ``dismiss`` (``None`` when cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", show=True, id="dialog.cancel"),
        Binding("ctrl+s", "save", "Save", show=True, id="dialog.save"),
    ]

    ERROR_FIELDS: ClassVar[list[tuple[str, str]]] = []
    """(words in the English sentence of a use-case error, field it belongs under)."""

    def __init__(self, ctx: Any, lang: Lang) -> None:
        super().__init__(classes="form-dialog")
        self.ctx = ctx
        self.lang: Lang = lang
        self.fields: dict[str, Field] = {f.name: f for f in self.make_fields()}
        optional = t("form.optional", lang)
        for item in self.fields.values():
            item.widget.id = item.widget.id or f"field-{item.name}"
            if item.optional and isinstance(item.widget, Input):
                shown = item.widget.placeholder
                item.widget.placeholder = f"{shown} ({optional})" if shown else optional
        self.saving = False

    # ---------------------------------------------------------------- to implement
    def heading(self) -> str:
        raise NotImplementedError

    def make_fields(self) -> list[Field]:
        raise NotImplementedError

    def hint(self) -> str:
        """A line under the title (how times are read, for instance)."""
        return ""

    def save(self, values: dict[str, Any]) -> T:
        """Run the use case with the parsed values (in a worker thread)."""
        raise NotImplementedError

    # ---------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.heading(), classes="dialog-title", id="title")
            yield Static(self.hint(), id="hint")
            with VerticalScroll(classes="fields"):
                for item in self.fields.values():
                    with Horizontal(classes="field", id=f"row-{item.name}"):
                        yield Label(item.label, classes="label")
                        yield item.widget
                    yield Static("", classes="error", id=f"error-{item.name}")
            yield Static("", classes="error", id="error-form")
            with Horizontal(classes="buttons"):
                yield Button(t("form.save", self.lang), variant="primary", id="save",
                             compact=True)
                yield Button(t("form.cancel", self.lang), id="cancel", compact=True)

    def on_mount(self) -> None:
        localize_bindings(self, self.lang)
        first = next(iter(self.fields.values()), None)
        if first is not None:
            first.widget.focus()

    # ---------------------------------------------------------------- validating
    def value_of(self, name: str) -> Any:
        """The parsed value of one field; raises :class:`Invalid` with the sentence to show."""
        item = self.fields[name]
        value = raw(item.widget)
        if value is None or (isinstance(value, str) and not value.strip()):
            if item.optional:
                return None
            try:
                required(None, item.label)
            except RefundflowError as exc:
                raise Invalid(exc.render(self.lang)) from None
        try:
            return item.parse(value.strip() if isinstance(value, str) else value)
        except RefundflowError as exc:
            raise Invalid(exc.render(self.lang)) from None

    def check(self, name: str) -> bool:
        item = self.fields[name]
        try:
            self.value_of(name)
        except Invalid as exc:
            if item.touched or raw(item.widget):
                self.show_error(name, exc.text)
                return False
        self.show_error(name, "")
        return True

    def show_error(self, name: str | None, text: str) -> None:
        error = self.query_one(f"#error-{name or 'form'}", Static)
        error.update(escape(text))
        error.display = bool(text)
        if name is not None:
            self.fields[name].widget.set_class(bool(text), "-invalid-field")

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _changed(self, event: Any) -> None:
        name = next((n for n, f in self.fields.items() if f.widget is event.control), None)
        if name is None:
            return
        self.fields[name].touched = True
        self.check(name)
        self.on_field_changed(name)

    def on_field_changed(self, name: str) -> None:
        """A hook for fields that depend on others (none by default)."""

    # ---------------------------------------------------------------- saving
    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        if self.saving:
            return
        values: dict[str, Any] = {}
        bad: list[str] = []
        for name, item in self.fields.items():
            item.touched = True
            try:
                values[name] = self.value_of(name)
                self.show_error(name, "")
            except Invalid as exc:
                self.show_error(name, exc.text)
                bad.append(name)
        if bad:
            self.show_error(None, t("form.fix", self.lang))
            self.fields[bad[0]].widget.focus()
            return
        self.show_error(None, t("form.saving", self.lang))
        self.saving = True
        self.query_one("#save", Button).disabled = True
        self._run_save(values)

    @work(thread=True, exclusive=True, group="save")
    def _run_save(self, values: dict[str, Any]) -> None:
        try:
            result = self.save(values)
        except RefundflowError as exc:
            self.app.call_from_thread(self._failed, exc)
            return
        except Exception as exc:  # the database went away: say so, keep the form
            error = InvalidInput(Text("保存失败：{e}", "could not save: {e}", {"e": str(exc)}))
            self.app.call_from_thread(self._failed, error)
            return
        self.app.call_from_thread(self.dismiss, result)

    def _failed(self, exc: RefundflowError) -> None:
        self.saving = False
        self.query_one("#save", Button).disabled = False
        english = exc.text.en
        target = next((name for words, name in self.ERROR_FIELDS if words in english), None)
        self.show_error(None, "" if target else exc.render(self.lang))
        if target is not None:
            self.show_error(target, exc.render(self.lang))
            self.fields[target].widget.focus()


def choice_options(members: Any, lang: Lang) -> list[tuple[str, str]]:
    """(label, value) pairs for a Select over a labelled enum, in the user's language."""
    return [(f"{m.label(lang)} ({m.value})", m.value) for m in members]


def pick(*options: tuple[str, str], prompt: str) -> Select[str]:
    return Select(list(options), prompt=prompt, compact=True)


class CaseFormDialog(FormDialog[T]):
    """A form about one case: the case is read first (its zone reads the times typed)."""

    def __init__(self, ctx: Any, ref: str, lang: Lang) -> None:
        self.ref = ref
        self.case: Any = None
        super().__init__(ctx, lang)

    def on_mount(self) -> None:
        self.query_one("#save", Button).disabled = True
        self._load_case()

    @work(thread=True, exclusive=True, group="load")
    def _load_case(self) -> None:
        from cases.services import get_case

        try:
            case = get_case(self.ctx, self.ref)
        except RefundflowError as exc:
            self.app.call_from_thread(self.show_error, None, exc.render(self.lang))
            return
        self.app.call_from_thread(self._case_ready, case)

    def _case_ready(self, case: Any) -> None:
        self.case = case
        self.query_one("#hint", Static).update(t("form.zone", self.lang, zone=case.zone))
        self.case_loaded(case)
        self.query_one("#save", Button).disabled = False

    def case_loaded(self, case: Any) -> None:
        """Fill in what depends on the case (its zone, its stage)."""

    def case_time(self, value: str) -> Any:
        """A time typed in the case's zone (ISO 8601, "2026-09-30 18:00", "昨天 18:00")."""
        from cases.parsing import parse_time

        if self.case is None:
            raise Invalid("…")
        return parse_time(value, self.case.tz, self.ctx.clock.now())[0]
