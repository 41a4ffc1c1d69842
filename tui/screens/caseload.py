"""The first screen: every case, most urgent first, with filters and search.

It answers "what needs me now?" in three steps, each in a thread worker: the most urgent
rows (a few milliseconds, so the screen is useful at once), then the whole caseload's
order and filter keys (:class:`CaseloadIndex`, about a second at 100,000 cases), then,
whenever the table scrolls or a filter changes, just the rows on screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from cases.i18n import Lang
from cases.ports import CaseSummary
from tui.i18n_tui import t
from tui.messages import (
    CaseChosen,
    DataChanged,
    FirstRows,
    IndexLoaded,
    LoadFailed,
    RowsLoaded,
    RowsWanted,
    ViewReady,
)
from tui.screens.base import BaseScreen
from tui.widgets.case_table import CaseTable, RowSource
from tui.widgets.case_table import FirstRows as FirstRowsSource
from tui.widgets.caseload_index import CaseloadIndex, Filters
from tui.widgets.top_bar import TopBar

FIRST_ROWS = 60
"""Rows read before the index: more than the tallest screen shows."""


class CaseloadScreen(BaseScreen):
    """Every case with its next deadline as a countdown; Enter opens one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "record_event", "Record", show=True, id="caseload.event"),
        Binding("a", "attach_evidence", "Evidence", show=False, id="caseload.evidence"),
        Binding("slash", "search", "Search", show=True, id="caseload.search"),
        Binding("f", "filters", "Filter", show=True, id="caseload.filters"),
        Binding("o", "toggle_overdue", "Overdue", show=False, id="caseload.overdue"),
        Binding("x", "clear_filters", "Clear filters", show=False, id="caseload.clear"),
        Binding("escape", "search_done", "Back to list", show=False, id="search.done"),
    ]

    def __init__(self) -> None:
        super().__init__(id="caseload")
        self.index: CaseloadIndex | None = None
        self.filters = Filters()
        self.marker: tuple[int, ...] | None = None
        self.latest: tuple[int, ...] | None = None
        self.reading = False
        self.failed: str | None = None
        self._select_after_load: str | None = None

    def compose(self) -> ComposeResult:
        yield TopBar(self.lang, id="top")
        with Horizontal(id="filter-bar"):
            yield Input(placeholder=t("search", self.lang), id="search", compact=True)
            yield Static(t("filter.none", self.lang), id="filter-summary")
        yield CaseTable(self.lang, ZoneInfo(self.settings.tz), id="cases")
        yield Static(id="empty")
        yield Static("", id="legend")
        yield Footer()

    @property
    def table(self) -> CaseTable:
        return self.query_one(CaseTable)

    @property
    def selected_ref(self) -> str | None:
        return self.table.current_ref

    def on_mount(self) -> None:
        self.query_one("#empty").display = False
        self.table.now = self.clock.now()
        self.table.focus()
        self.set_interval(10, self._tick)
        self._top()
        self.load(first=True)

    def _tick(self) -> None:
        self.table.tick(self.clock.now())
        self._legend()

    # ------------------------------------------------------------------ reading
    def load(self, first: bool = False) -> None:
        """Read the caseload: the first screen's rows at once, then (after they are drawn)
        the whole caseload's order; later calls only the order."""
        self.reading = True
        if first:
            self._first()
        else:
            self._load()

    @work(thread=True, exclusive=True, group="index")
    def _first(self) -> None:
        rows = None
        if not self.rf_app.wired:  # SQLAlchemy still loading: SQLite answers on its own
            from cases.store.quick import most_urgent_sqlite, sqlite_path

            path = sqlite_path(self.settings.db_url)
            if path is not None:
                rows = most_urgent_sqlite(path, self.clock.now(), FIRST_ROWS)
        try:
            if rows is None:
                with self.ctx.uow() as uow:
                    rows = uow.cases.most_urgent(self.clock.now(), FIRST_ROWS)
        except Exception as exc:  # busy or unreachable database: shown, retried on next poll
            self.post_message(LoadFailed(_first_line(exc)))
            return
        self.post_message(FirstRows(rows, len(rows)))

    @work(thread=True, exclusive=True, group="index")
    def _load(self) -> None:
        worker = get_current_worker()
        ctx = self.ctx
        try:
            with ctx.uow() as uow:
                marker = uow.cases.change_marker()
                index = CaseloadIndex.build(
                    uow.cases.caseload_keys(ctx.clock.now()), lambda: worker.is_cancelled
                )
        except Exception as exc:
            self.post_message(LoadFailed(_first_line(exc)))
            return
        if index is not None and not worker.is_cancelled:
            self.post_message(IndexLoaded(index, marker))

    @on(FirstRows)
    def _first_rows(self, message: FirstRows) -> None:
        if self.index is not None:
            return
        refs = [row.ref for row in message.rows]
        if refs:
            self.table.ref_width = max(12, *(len(ref) for ref in refs))
        self.table.show(FirstRowsSource(refs), message.rows)
        self._empty(not refs)
        self._top()
        # The index costs a second of CPU at 100,000 cases: not before this screen is drawn.
        self.call_after_refresh(self._load)

    @on(IndexLoaded)
    def _index_loaded(self, message: IndexLoaded) -> None:
        self.reading = False
        self.failed = None
        fresh = self.index is not None
        self.index, self.marker = message.index, message.marker
        if len(self.index):
            self.table.ref_width = max(12, max(len(ref) for ref in self.index.refs[-50:]))
        self._empty(len(self.index) == 0)
        self.apply_filters(keep_cursor=True, fresh=fresh)
        if self.latest is not None and self.latest != self.marker:
            self.load()  # something changed while reading

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        self.reading = False
        self.failed = message.text
        self._top()

    @on(DataChanged)
    def _data_changed(self, message: DataChanged) -> None:
        self.latest = message.marker
        if message.marker != self.marker and not self.reading:
            self.table.invalidate()  # the rows on screen first, then the order
            self.load()

    @on(RowsWanted)
    def _rows_wanted(self, message: RowsWanted) -> None:
        self._fetch(message.refs, message.generation)

    @work(thread=True, exclusive=True, group="rows")
    def _fetch(self, refs: list[str], generation: int) -> None:
        """The rows the table lacks; a newer request covers everything this one asked."""
        worker = get_current_worker()
        try:
            with self.ctx.uow() as uow:
                rows = uow.cases.summaries_for(self.clock.now(), refs)
        except Exception as exc:
            self.post_message(LoadFailed(_first_line(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(RowsLoaded(rows, generation))

    @on(RowsLoaded)
    def _rows_loaded(self, message: RowsLoaded) -> None:
        self.table.add_rows(message.rows, message.generation)

    # ------------------------------------------------------------------ filtering
    def apply_filters(self, keep_cursor: bool = False, fresh: bool = False) -> None:
        self._filter_summary()
        if self.index is None:
            return  # applied when the index arrives
        now = self.clock.now()
        if not self.filters.active:
            view = self.index.view(self.filters, now)
            assert view is not None
            self._show(view, [], keep_cursor, fresh)
            return
        self._filter(self.index, self.filters, keep_cursor, fresh)

    @work(thread=True, exclusive=True, group="filter")
    def _filter(self, index: CaseloadIndex, filters: Filters, keep: bool, fresh: bool) -> None:
        worker = get_current_worker()
        now = self.clock.now()
        view = index.view(filters, now, lambda: worker.is_cancelled)
        if view is None or worker.is_cancelled:
            return
        try:
            with self.ctx.uow() as uow:
                rows = uow.cases.summaries_for(now, view.refs(0, FIRST_ROWS))
        except Exception as exc:
            self.post_message(LoadFailed(_first_line(exc)))
            rows = []
        if not worker.is_cancelled:
            self.post_message(ViewReady(view, rows, keep, fresh))

    @on(ViewReady)
    def _view_ready(self, message: ViewReady) -> None:
        if message.view.filters != self.filters or message.view.index is not self.index:
            return  # the user typed on meanwhile
        self._show(message.view, message.rows, message.keep_cursor, message.fresh)

    def _show(
        self, view: RowSource, rows: Sequence[CaseSummary], keep_cursor: bool, fresh: bool
    ) -> None:
        self.table.show(view, rows, fresh=fresh, keep_cursor=keep_cursor)
        if self._select_after_load:
            self.table.select(self._select_after_load)
            self._select_after_load = None
        self._top()
        self._legend()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.filters = self.filters.with_search(event.value)
        self.apply_filters()

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self.table.focus()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_search_done(self) -> None:
        self.table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "search_done":
            return self.focused is self.query_one("#search")
        return True

    def action_toggle_overdue(self) -> None:
        self.filter_by("overdue", not self.filters.overdue)

    def filter_by(self, name: str, value: Any) -> None:
        """Set one filter (stage, platform, assignee, overdue), keeping the others."""
        self.set_filters(replace(self.filters, **{name: value}))

    def action_clear_filters(self) -> None:
        self.query_one("#search", Input).value = ""
        self.set_filters(Filters())

    def set_filters(self, filters: Filters) -> None:
        self.filters = filters
        search = self.query_one("#search", Input)
        if search.value != filters.search:
            search.value = filters.search  # posts Input.Changed, which applies them
        else:
            self.apply_filters()

    def action_filters(self) -> None:
        from tui.dialogs.filters import FilterDialog

        platforms = list(self.index.platforms) if self.index else []
        assignees = [a for a in self.index.assignees if a] if self.index else []
        self.app.push_screen(
            FilterDialog(self.filters, platforms, assignees, self.lang),
            lambda chosen: self.set_filters(chosen) if chosen is not None else None,
        )

    # ------------------------------------------------------------------ opening
    @on(CaseChosen)
    def _open(self, message: CaseChosen) -> None:
        from tui.screens.case import CaseScreen

        self.app.push_screen(CaseScreen(message.ref))

    def after_change(self, ref: str | None) -> None:
        self._select_after_load = ref
        super().after_change(ref)

    # ------------------------------------------------------------------ words
    def set_lang(self, lang: Lang) -> None:
        super().set_lang(lang)
        self.query_one("#search", Input).placeholder = t("search", self.lang)
        self.query_one("#empty", Static).update(self._empty_text())
        self._filter_summary()
        self._top()
        self._legend()

    def _empty(self, empty: bool) -> None:
        self.query_one("#empty", Static).update(self._empty_text())
        self.query_one("#empty").display = empty
        self.table.display = not empty
        self.query_one("#filter-bar").display = not empty

    def _empty_text(self) -> str:
        return f"[b]{t('empty.title', self.lang)}[/b]\n\n{t('empty.body', self.lang)}"

    def _top(self) -> None:
        lang = self.lang
        if self.failed:
            counts = t("db.error", lang, err=self.failed)
        elif self.index is None:
            counts = t("loading", lang)
        else:
            total = f"{len(self.index):,}"
            shown = len(self.table.source)
            if self.filters.active:
                counts = t("matching", lang, shown=f"{shown:,}", total=total)
            else:
                counts = t("counted.one" if len(self.index) == 1 else "counted", lang,
                           total=total)
        self.query_one(TopBar).counts = counts

    def _filter_summary(self) -> None:
        lang, f = self.lang, self.filters
        parts = []
        if f.stage is not None:
            parts.append(t("filter.stage", lang, v=f.stage.label(lang)))
        if f.platform is not None:
            parts.append(t("filter.platform", lang, v=f.platform))
        if f.assignee is not None:
            parts.append(t("filter.assignee", lang, v=f.assignee or t("unassigned", lang)))
        if f.overdue:
            parts.append(t("filter.overdue", lang))
        text = " · ".join(parts) if parts else t("filter.none", lang)
        self.query_one("#filter-summary", Static).update(text)

    def _legend(self) -> None:
        legend = ""
        if self.index is not None and self.filters.active and not len(self.table.source):
            legend = t("nomatch", self.lang)
        elif self.table.any_provisional():
            legend = t("provisional", self.lang)
        self.query_one("#legend", Static).update(legend)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0][:120] if text else type(exc).__name__
