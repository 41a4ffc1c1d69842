"""The line at the top of every screen: where you are, how many cases, the service."""

from __future__ import annotations

from typing import Any

from rich.text import Text as RichText
from textual.reactive import reactive
from textual.widget import Widget

from cases.i18n import Lang
from tui.i18n_tui import t
from tui.widgets.service import summary


class TopBar(Widget):
    """``refundflow · 1,234 cases · service: running``; the parts are set from above."""

    DEFAULT_CSS = """
    TopBar { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    where: reactive[str] = reactive("")
    counts: reactive[str] = reactive("")
    service: reactive[dict[str, Any] | None] = reactive(None, always_update=True)
    known: reactive[bool] = reactive(False)

    def __init__(self, lang: Lang, where: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lang: Lang = lang
        self.set_reactive(TopBar.where, where)

    def on_mount(self) -> None:
        app: Any = self.app
        self.known = getattr(app, "service_known", False)
        self.service = getattr(app, "service_status", None)

    def set_lang(self, lang: Lang) -> None:
        self.lang = lang
        self.refresh()

    def render(self) -> RichText:
        service = summary(self.service, self.lang) if self.known else t(
            "service.unknown", self.lang
        )
        left = RichText(t("title", self.lang), style="bold")
        for part in (self.where, self.counts):
            if part:
                left.append(" · " + part)
        right = RichText(service)
        gap = max(self.content_size.width - left.cell_len - right.cell_len, 1)
        return RichText.assemble(left, " " * gap, right)
