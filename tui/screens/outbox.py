"""The outbox: mail sent, queued, held (no SMTP yet) and failed, newest first."""

from __future__ import annotations

from typing import ClassVar
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from cases.i18n import Lang
from cases.outbox import Notice, NoticeStatus
from tui.i18n_tui import t
from tui.messages import DataChanged, LoadFailed, OutboxLoaded
from tui.screens.base import BaseScreen
from tui.widgets.top_bar import TopBar

SHOWN = 200
"""The newest notices listed (the outbox is read newest first)."""

STATUS: dict[NoticeStatus, tuple[str, str, str]] = {
    NoticeStatus.QUEUED: ("排队中", "queued", ""),
    NoticeStatus.SENDING: ("发送中", "sending", ""),
    NoticeStatus.SENT: ("已发送", "sent", "green"),
    NoticeStatus.FAILED: ("发送失败", "failed", "red"),
    NoticeStatus.HELD: ("待配置邮箱", "held (no SMTP)", "yellow"),
}


class OutboxScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back", show=True, id="outbox.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.notices: list[Notice] = []
        self._drawn = False

    def compose(self) -> ComposeResult:
        yield TopBar(self.lang, where=t("outbox.title", self.lang), id="top")
        yield DataTable(id="outbox", cursor_type="row", zebra_stripes=True)
        yield Static(id="outbox-empty")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.load()

    @work(thread=True, exclusive=True, group="outbox")
    def load(self) -> None:
        try:
            with self.ctx.uow() as uow:
                notices = uow.outbox.list(limit=SHOWN)
        except Exception as exc:
            self.post_message(LoadFailed(str(exc).splitlines()[0]))
            return
        self.post_message(OutboxLoaded(notices))

    @on(OutboxLoaded)
    def _loaded(self, message: OutboxLoaded) -> None:
        def state(notices: list[Notice]) -> list[tuple[object, ...]]:
            return [(n.id, n.status, n.attempts, n.sent_at) for n in notices]

        if state(message.notices) != state(self.notices) or not self._drawn:
            self.notices = message.notices
            self._drawn = True
            self.render_notices()

    @on(LoadFailed)
    def _failed(self, message: LoadFailed) -> None:
        self.query_one("#outbox-empty", Static).update(t("db.error", self.lang,
                                                          err=message.text))

    @on(DataChanged)
    def _changed(self, message: DataChanged) -> None:
        self.load()  # small (the newest 200), and sent/failed changes move no marker

    def set_lang(self, lang: Lang) -> None:
        super().set_lang(lang)
        self.query_one(TopBar).where = t("outbox.title", lang)
        self.render_notices()

    def render_notices(self) -> None:
        lang = self.lang
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(*t("outbox.head", lang).split("|"))
        zone = ZoneInfo(self.settings.tz)
        for notice in self.notices:
            zh, en, color = STATUS.get(notice.status, (notice.status, notice.status, ""))
            status = zh if lang == "zh" else en
            when = notice.sent_at or notice.next_attempt_at or notice.created_at
            table.add_row(
                str(notice.id),
                f"[{color}]{status}[/{color}]" if color else status,
                notice.kind.value,
                notice.case_ref or "—",
                str(notice.attempts),
                when.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                (notice.last_error or "")[:60],
            )
        empty = not self.notices
        self.query_one("#outbox-empty", Static).update(t("outbox.empty", lang) if empty else "")
        self.query_one("#outbox-empty").display = empty
        table.display = not empty
