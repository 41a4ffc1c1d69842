"""One case: its facts, deadlines with the rule behind each date, what evidence the next
step needs, the next rung and its letter, and the timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from cases.i18n import Lang
from cases.model import Case
from tui.i18n_tui import t
from tui.messages import CaseLoaded, DataChanged, LoadFailed
from tui.screens.base import BaseScreen
from tui.widgets.top_bar import TopBar

if TYPE_CHECKING:
    from tui.dialogs.assignee import AssigneeSet
    from tui.dialogs.dossier import DossierWritten
    from tui.dialogs.province import ProvinceSet


class CaseScreen(BaseScreen):
    """The case page; Escape goes back to the caseload.

    The footer has room for the keys used on every visit (80 columns, English included);
    ``d``, ``p``, ``w`` and ``n`` are named on the page, under ``?`` and in the palette."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back", show=True, id="case.back"),
        Binding("e", "record_event", "Record", show=True, id="case.event"),
        Binding("a", "attach_evidence", "Evidence", show=True, id="case.evidence"),
        Binding("l", "letter", "Letter", show=True, id="case.letter"),
        Binding("d", "dossier", "Dossier", show=False, id="case.dossier"),
        Binding("p", "province", "Province", show=False, id="case.province"),
        Binding("w", "assignee", "Assignee", show=False, id="case.assignee"),
    ]
    FOOTER_HIDDEN: ClassVar[frozenset[str]] = frozenset({"caseload.new"})

    def __init__(self, ref: str) -> None:
        super().__init__()
        self.ref = ref
        self.case: Case | None = None
        self.view: Any = None
        self.marker: tuple[int, ...] | None = None

    @property
    def selected_ref(self) -> str | None:
        return self.ref

    def compose(self) -> ComposeResult:
        yield TopBar(self.lang, where=self.ref, id="top")
        with VerticalScroll(id="page"):
            yield Static(t("case.loading", self.lang, ref=self.ref), id="facts")
            yield Static(id="deadlines", classes="section")
            yield Static(id="next", classes="section")
            yield Static(id="checklist", classes="section")
            yield Static(id="timeline", classes="section")
            yield Static(id="evidence", classes="section")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#page").focus()
        self.load()

    @work(thread=True, exclusive=True, group="case")
    def load(self) -> None:
        from cases.services import get_case
        from notifications.guide import ladder_view

        ctx = self.ctx
        try:
            with ctx.uow() as uow:
                marker = uow.cases.change_marker()
            case = get_case(ctx, self.ref)
            with ctx.uow() as uow:
                others = [r for r in uow.cases.live_applications(case.platform, case.order_no)
                          if r != case.ref]
            view = ladder_view(case, ctx.clock.now(), ctx.planner,
                               live_applications=len(others), province=_province(ctx, case))
        except Exception as exc:
            from cases.i18n import RefundflowError

            text = exc.render(self.lang) if isinstance(exc, RefundflowError) else str(exc)
            self.post_message(LoadFailed(text))
            return
        self.post_message(CaseLoaded(case, {"view": view, "marker": marker}))

    @on(CaseLoaded)
    def _loaded(self, message: CaseLoaded) -> None:
        self.case, self.view = message.case, message.extras["view"]
        self.marker = message.extras["marker"]
        self.render_case()

    @on(LoadFailed)
    def _failed(self, message: LoadFailed) -> None:
        self.query_one("#facts", Static).update(escape(message.text))

    @on(DataChanged)
    def _changed(self, message: DataChanged) -> None:
        if self.marker is not None and message.marker != self.marker:
            self.marker = message.marker
            self.load()

    def set_lang(self, lang: Lang) -> None:
        super().set_lang(lang)
        self.render_case()

    def render_case(self) -> None:
        if self.case is None:
            return
        from tui.output import case_page

        lang, case = self.lang, self.case
        parts: list[Any] = case_page(case, self.clock.now(), lang, in_tui=True)
        facts, deadlines, timeline = parts[0], parts[1], parts[2]
        rest = parts[3:]
        evidence: list[RenderableType] = [p for p in rest if not isinstance(p, str)]
        notes = [p for p in rest if isinstance(p, str)]
        self.query_one("#facts", Static).update(facts)
        self.query_one("#deadlines", Static).update(Group(deadlines, *notes))
        self.query_one("#timeline", Static).update(timeline)
        self.query_one("#evidence", Static).update(Group(*evidence) if evidence else "")
        self.query_one("#evidence").display = bool(evidence)
        current = next((row for row in self.view.rows if row.status == "current"), None)
        self.query_one("#checklist", Static).update(self._checklist(current))
        self.query_one("#next", Static).update(self._next(current))

    def _checklist(self, row: Any) -> RenderableType:
        lang = self.lang
        table = Table(title=t("case.checklist", lang, rung=row.rung.name.render(lang) if row
                                else "—"), title_justify="left", box=None, show_header=False)
        table.add_column(no_wrap=True)
        table.add_column(overflow="fold")
        table.add_column(no_wrap=True)
        for check in row.checks if row else []:
            mark, state = ("✓", t("case.have", lang, n=check.have)) if not check.missing \
                else ("[red]✗[/red]", f"[red]{t('case.missing', lang)}[/red]")
            table.add_row(f"{mark} {check.need.kind.label(lang)}",
                          escape(check.need.what.render(lang)), state)
        return table

    def _next(self, row: Any) -> RenderableType:
        """The rung to act on: to whom, what to send, by when, what would go wrong."""
        from notifications.letters import show_due

        lang = self.lang
        if row is None or self.case is None:
            return ""
        lines = [
            f"[b]{t('case.next', lang)}[/b]",
            escape(f"{row.rung.name.render(lang)} → {row.rung.to_whom.render(lang)}"),
            escape(t("case.next.send", lang, send=row.rung.send.render(lang))),
        ]
        if row.due is not None:
            lines.append(t("case.next.due", lang, due=show_due(row.due.due_at, self.case)))
        for trap in row.traps:
            text = escape(trap.text.render(lang))
            lines.append(f"[red]✗ {text}[/red]" if trap.severity == "block" else f"! {text}")
        lines.append(t("case.next.letter", lang))
        return "\n".join(lines)

    def action_letter(self) -> None:
        from tui.dialogs.letter import LetterDialog

        self.app.push_screen(LetterDialog(self.ctx, self.ref, self.lang))

    def action_dossier(self) -> None:
        from tui.dialogs.dossier import DossierDialog

        self.app.push_screen(DossierDialog(self.ctx, self.ref, self.lang), self._dossier_written)

    def _dossier_written(self, result: DossierWritten | None) -> None:
        if result is None:
            return
        self.notify(t("saved.dossier", self.lang, ref=result.ref, path=str(result.path),
                      n=result.evidence), timeout=10)
        if not result.intact:
            self.notify(t("dossier.broken", self.lang, ref=result.ref), severity="error",
                        timeout=15)

    def action_province(self) -> None:
        from tui.dialogs.province import ProvinceDialog

        self.app.push_screen(ProvinceDialog(self.ctx, self.ref, self.lang), self._province_set)

    def _province_set(self, result: ProvinceSet | None) -> None:
        if result is None:
            return
        if result.name is None:
            self.notify(t("saved.province.cleared", self.lang, ref=result.ref))
        else:
            self.notify(t("saved.province", self.lang, ref=result.ref, name=result.label))
        self.after_change(result.ref)

    def action_assignee(self) -> None:
        from tui.dialogs.assignee import AssigneeDialog

        self.app.push_screen(AssigneeDialog(self.ctx, self.ref, self.lang), self._assignee_set)

    def _assignee_set(self, result: AssigneeSet | None) -> None:
        if result is None:
            return
        if result.name is None:
            self.notify(t("saved.assignee.cleared", self.lang, ref=result.ref))
        else:
            self.notify(t("saved.assignee", self.lang, ref=result.ref, name=result.name))
        self.after_change(result.ref)

    def after_change(self, ref: str | None) -> None:
        self.load()
        super().after_change(ref)


def _province(ctx: Any, case: Case) -> Any:
    """The case's province (or the default) for the next step's traps; a name the table no
    longer knows only leaves the national figures: the page still shows."""
    from cases.i18n import InvalidInput

    try:
        return ctx.province_for(case.province)
    except InvalidInput:
        return None
