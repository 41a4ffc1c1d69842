"""The caseload table: a virtual list that draws only the rows on screen.

It holds no more than a view (which cases, in which order) and a small cache of the
summaries it has been given; for rows it lacks it posts :class:`RowsWanted` and draws a
placeholder until its screen sets the rows. So 100,000 cases cost what 50 do.
Columns are measured in terminal cells, so Chinese (two cells a character) stays aligned.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol
from zoneinfo import ZoneInfo

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.events import Click, Resize
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from cases.i18n import Lang
from cases.ports import CaseSummary
from cases.vocabulary import DeadlineKind
from tui.i18n_tui import localize_bindings
from tui.messages import CaseChosen, CursorMoved, RowsWanted
from tui.output import HEAD, countdown, show_due

CACHE_ROWS = 2000
"""Summaries kept in memory: about 40 screens of a tall terminal."""


class RowSource(Protocol):
    """What the table shows: a count and the reference at each row (a CaseloadView)."""

    def __len__(self) -> int: ...

    def ref_at(self, row: int) -> str: ...

    def refs(self, start: int, stop: int) -> list[str]: ...

    def row_of(self, ref: str) -> int | None: ...


class FirstRows:
    """The rows known before the caseload is indexed: the most urgent page only."""

    def __init__(self, refs: list[str]) -> None:
        self._refs = refs

    def __len__(self) -> int:
        return len(self._refs)

    def ref_at(self, row: int) -> str:
        return self._refs[row]

    def refs(self, start: int, stop: int) -> list[str]:
        return self._refs[max(start, 0) : stop]

    def row_of(self, ref: str) -> int | None:
        return self._refs.index(ref) if ref in self._refs else None


@dataclass(frozen=True)
class Column:
    key: str
    width: int
    right: bool = False


def layout(width: int, ref_width: int, lang: Lang = "en") -> list[Column]:
    """Column widths for ``width`` cells: every column at its minimum (80 columns fit them
    all), then the spare cells go to the columns that gain most from them, in that order."""
    minimum = {"ref": ref_width, "platform": 7, "order": 10, "amount": 8, "stage": 8,
               "next": 11, "left": 16 if lang == "zh" else 14}
    widths = dict(minimum)
    spare = width - sum(widths.values()) - (len(widths) - 1)
    # The deadline column first takes a full date, and its kind only when that fits whole.
    for key, ideal in (("order", 13), ("platform", 10), ("amount", 12), ("next", 18),
                       ("stage", 26), ("next", 38), ("order", 18)):
        grow = min(max(spare, 0), ideal - widths[key])
        widths[key] += max(grow, 0)
        spare -= max(grow, 0)
    for key in ("order", "stage", "platform", "next"):  # a narrow terminal: squeeze
        if spare >= 0:
            break
        cut = min(-spare, widths[key] - 4)
        widths[key] -= cut
        spare += cut
    columns = [Column(key, widths[key], key == "amount") for key in minimum]
    if spare >= 10:
        columns.append(Column("assignee", min(spare - 1, 12)))
    return columns


def short_countdown(due: datetime, now: datetime, lang: Lang) -> str:
    """:func:`countdown`, with days only from ten days on (the hours no longer matter)."""
    days = abs(int((due - now).total_seconds())) // 86400
    if days < 10:
        return countdown(due, now, lang)
    if due <= now:
        return f"已逾期 {days}天" if lang == "zh" else f"overdue {days}d"
    return f"还剩 {days}天" if lang == "zh" else f"in {days}d"


def fit(text: str, width: int, right: bool = False) -> str:
    """Pad or cut ``text`` to exactly ``width`` cells (an ellipsis marks a cut)."""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
    if right:
        return " " * (width - cell_len(text)) + text
    return set_cell_size(text, width)


class CaseTable(ScrollView, can_focus=True):
    """Every case of the current view, one line each, most urgent first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="table.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="table.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.page_up"),
        Binding("pagedown,space", "page(1)", "Page down", show=False, id="table.page_down"),
        Binding("home,g", "jump(0)", "First", show=False, id="table.first"),
        Binding("end,G", "jump(-1)", "Last", show=False, id="table.last"),
        Binding("enter", "choose", "Open", show=True, id="caseload.open"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "case-table--header",
        "case-table--cursor",
        "case-table--overdue",
        "case-table--provisional",
        "case-table--placeholder",
    }

    DEFAULT_CSS = """
    CaseTable { scrollbar-size-vertical: 1; overflow-x: hidden; }
    CaseTable > .case-table--header { text-style: bold; }
    CaseTable > .case-table--cursor { background: $accent 40%; text-style: bold; }
    CaseTable:focus > .case-table--cursor { background: $accent; color: $text; }
    CaseTable > .case-table--overdue { color: $error; text-style: bold; }
    CaseTable > .case-table--provisional { color: $warning; }
    CaseTable > .case-table--placeholder { color: $text-muted; }
    """

    def __init__(self, lang: Lang, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lang: Lang = lang
        self.zone = zone
        self.now: datetime | None = None
        self.source: RowSource = FirstRows([])
        self.cursor = 0
        self.generation = 0
        self.ref_width = 12
        self._cache: OrderedDict[str, CaseSummary] = OrderedDict()
        self._stale: set[str] = set()
        """Cached summaries read before the database last changed (shown, to be re-read)."""
        self._asked: frozenset[str] = frozenset()
        """The last rows asked for: one request at a time, each covering all that is missing
        around the screen, so the screen's exclusive worker may drop the older one."""
        self._columns: list[Column] = layout(80, self.ref_width, lang)
        self._layout_for = (80, self.ref_width, lang)

    # ------------------------------------------------------------- set by the parent
    def show(
        self, source: RowSource, rows: Sequence[CaseSummary] = (), *, fresh: bool = False,
        keep_cursor: bool = True,
    ) -> None:
        """Show ``source``; ``rows`` are summaries already read for it.

        ``fresh``: the database changed, so cached summaries are stale. ``keep_cursor``:
        stay on the same case if it is still shown (after a reload), else start at the top.
        """
        current = self.current_ref
        self.generation += 1
        self.source = source
        if fresh:  # keep drawing what is known until the new rows arrive: no flicker
            self._stale = set(self._cache)
        self._asked = frozenset()
        self.add_rows(rows, self.generation)
        row = source.row_of(current) if keep_cursor and current is not None else None
        self.cursor = row if row is not None else 0
        self.virtual_size = Size(self.size.width, len(source) + 1)
        if not keep_cursor:
            self.scroll_to(y=0, animate=False, immediate=True)
        self._keep_cursor_visible()
        self.refresh()
        self._want()
        self.post_message(CursorMoved(self.current_ref))

    def add_rows(self, rows: Sequence[CaseSummary], generation: int) -> None:
        """Summaries read by the screen's worker (older generations are dropped)."""
        if generation != self.generation:
            return
        for row in rows:
            self._cache[row.ref] = row
            self._cache.move_to_end(row.ref)
            self._stale.discard(row.ref)
        while len(self._cache) > CACHE_ROWS:
            self._cache.popitem(last=False)
        if rows:
            self.refresh()

    def tick(self, now: datetime) -> None:
        """The clock moved: countdowns change, nothing is read."""
        self.now = now
        self.refresh()

    def set_lang(self, lang: Lang) -> None:
        self.lang = lang
        localize_bindings(self, lang)
        self.refresh()

    def on_mount(self) -> None:
        localize_bindings(self, self.lang)

    def invalidate(self) -> None:
        """The database changed: every summary held is stale. They are still drawn (no
        flicker) while the rows around the screen are read again."""
        self._stale = set(self._cache)
        self.generation += 1
        self._asked = frozenset()
        self._want()

    def select(self, ref: str) -> None:
        """Put the cursor on ``ref`` if the current view shows it."""
        row = self.source.row_of(ref)
        if row is not None:
            self._move_to(row)

    def any_provisional(self) -> bool:
        """Whether a row on screen has a provisional deadline (the legend explains the *)."""
        top = int(self.scroll_offset.y)
        for ref in self.source.refs(top, top + max(self.size.height, 1)):
            row = self._cache.get(ref)
            if row is not None and row.next_provisional:
                return True
        return False

    @property
    def current_ref(self) -> str | None:
        if 0 <= self.cursor < len(self.source):
            return self.source.ref_at(self.cursor)
        return None

    def summary(self, ref: str) -> CaseSummary | None:
        return self._cache.get(ref)

    # ------------------------------------------------------------- moving
    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(self.size.height - 2, 1), page=direction)

    def action_jump(self, row: int) -> None:
        self._move_to(row if row >= 0 else len(self.source) - 1)

    def action_choose(self) -> None:
        if self.current_ref is not None:
            self.post_message(CaseChosen(self.current_ref))

    def on_click(self, event: Click) -> None:
        row = int(self.scroll_offset.y) + event.y - 1
        if event.y >= 1 and 0 <= row < len(self.source):
            self._move_to(row)
            if event.chain >= 2:
                self.action_choose()

    def _move_to(self, row: int, page: int = 0) -> None:
        row = max(0, min(row, len(self.source) - 1))
        if row == self.cursor or not len(self.source):
            return
        self.cursor = row
        if page:  # keep the cursor where it was on the screen, like a pager
            self.scroll_to(y=self.scroll_offset.y + page * max(self.size.height - 2, 1),
                           animate=False, immediate=True)
        self._keep_cursor_visible()
        self.refresh()
        self._want()
        self.post_message(CursorMoved(self.current_ref))

    def _keep_cursor_visible(self) -> None:
        top = int(self.scroll_offset.y)
        visible = max(self.size.height - 1, 1)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False, immediate=True)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._want()

    def on_resize(self, event: Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.source) + 1)
        self._keep_cursor_visible()
        self._want()

    def _want(self) -> None:
        """Ask for the rows on screen and one screen either side that are not cached."""
        if not self.is_mounted:
            return
        height = max(self.size.height, 10)
        top = int(self.scroll_offset.y)
        missing = [
            ref
            for ref in self.source.refs(top - height, top + 2 * height)
            if ref not in self._cache or ref in self._stale
        ]
        if missing and frozenset(missing) != self._asked:
            self._asked = frozenset(missing)
            self.post_message(RowsWanted(missing, self.generation))

    # ------------------------------------------------------------- drawing
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        wanted = (width, self.ref_width, self.lang)
        if wanted != self._layout_for:
            self._columns, self._layout_for = layout(*wanted), wanted
        if y == 0:
            return self._header(width)
        row = int(self.scroll_offset.y) + y - 1
        if row >= len(self.source):
            return Strip.blank(width, self.rich_style)
        ref = self.source.ref_at(row)
        summary = self._cache.get(ref)
        cursor = row == self.cursor
        base = self.rich_style
        if cursor:
            base = base + self.get_component_rich_style("case-table--cursor")
        if summary is None:
            dim = base + self.get_component_rich_style("case-table--placeholder")
            cells = [(fit(ref, self._columns[0].width), base), (" …", dim)]
        else:
            cells = self._cells(summary, base)
        segments = []
        for text, style in cells:
            segments.append(Segment(text, style))
            segments.append(Segment(" ", base))
        strip = Strip(segments)
        return strip.crop_extend(0, width, base)

    def _header(self, width: int) -> Strip:
        style = self.rich_style + self.get_component_rich_style("case-table--header")
        texts = []
        for column in self._columns:
            head = HEAD.get(column.key)
            label = head.render(self.lang) if head else _assignee_head(self.lang)
            if column.key == "next":
                label = HEAD["next"].render(self.lang)
            texts.append(fit(label, column.width, column.right))
        return Strip([Segment(" ".join(texts), style)]).crop_extend(0, width, style)

    def _cells(self, row: CaseSummary, base: Style) -> list[tuple[str, Style]]:
        lang, now = self.lang, self.now
        out: list[tuple[str, Style]] = []
        for column in self._columns:
            style = base
            key, width = column.key, column.width
            if key == "ref":
                text = row.ref
            elif key == "platform":
                text = row.platform
            elif key == "order":
                text = row.order_no
            elif key == "amount":
                text = f"{row.amount} {row.currency}" if width >= 12 else row.amount
            elif key == "stage":
                text = row.stage.label(lang)
            elif key == "next":
                text = self._next_text(row, width)
                if row.next_provisional:
                    style = base + self.get_component_rich_style("case-table--provisional")
            elif key == "left":
                text = ""
                if row.next_due is not None and now is not None:
                    text = short_countdown(row.next_due, now, lang)
                    if row.next_due <= now:
                        style = base + self.get_component_rich_style("case-table--overdue")
            else:
                text = row.assignee or ""
            out.append((fit(text, width, column.right), style))
        return out

    def _next_text(self, row: CaseSummary, width: int) -> str:
        if row.next_due is None or row.next_kind is None:
            return "—"
        due = show_due(row.next_due, _zone(row.zone) or self.zone)
        star = " *" if row.next_provisional else ""
        kind = DeadlineKind(row.next_kind).label(self.lang)
        if cell_len(kind) + len(due) + len(star) + 1 <= width:
            return f"{kind} {due}{star}"
        if len(due) + len(star) <= width:
            return due + star
        return due[5:] + star  # "10-10 24:00"


_ZONES: dict[str, ZoneInfo] = {}


def _zone(name: str) -> ZoneInfo | None:
    zone = _ZONES.get(name)
    if zone is None:
        try:
            zone = _ZONES[name] = ZoneInfo(name)
        except Exception:
            return None
    return zone


def _assignee_head(lang: Lang) -> str:
    return "负责人" if lang == "zh" else "Assignee"
