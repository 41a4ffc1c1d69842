"""The terminal UI: ``refundflow`` with no command opens it on the user's cases.

The app owns what every screen shares: the context (settings, clock, database), the
language, the background service's status, and the poll that notices changes made by
other processes. Screens and dialogs live in ``tui/screens`` and ``tui/dialogs``.
"""

from __future__ import annotations

import os
import threading
from typing import Any, ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import ModalScreen

from cases.i18n import Lang
from tui.i18n_tui import localize_bindings, t
from tui.messages import DataChanged, ServiceState
from tui.widgets.commands import RefundflowCommands
from tui.widgets.service import FlowsService, ServiceControl
from tui.widgets.top_bar import TopBar

POLL_SECONDS = 2.0
"""How often the database is asked whether anything changed (three primary-key lookups)."""
SERVICE_SECONDS = 10.0


class RefundflowApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "refundflow"
    COMMANDS: ClassVar[set[Any]] = {RefundflowCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", show=True, id="app.quit"),
        Binding("question_mark", "help", "Keys", show=True, id="app.help"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, priority=True,
                id="app.palette"),
        Binding("L", "switch_lang", "中文", show=False, id="app.lang"),
    ]

    lang: reactive[Lang] = reactive("en", init=False)

    def __init__(self, ctx: Any = None, service: ServiceControl | None = None, *,
                 settings: Any = None, clock: Any = None, start_service: bool = True,
                 poll_seconds: float = POLL_SECONDS, service_delay: float = 1.5) -> None:
        """Give a wired ``ctx``, or ``settings`` and ``clock`` and it is wired on first use."""
        super().__init__()
        self._ctx = ctx
        self._wiring = threading.Lock()
        self.settings = ctx.settings if ctx is not None else settings
        self.clock = ctx.clock if ctx is not None else clock
        self.set_reactive(RefundflowApp.lang, self.settings.lang)
        self.service = service if service is not None else FlowsService(self.settings)
        self.start_service = start_service
        self.poll_seconds = poll_seconds
        self.service_delay = service_delay
        self.service_status: dict[str, Any] | None = None
        self.service_known = False
        self.marker: tuple[int, ...] | None = None

    @property
    def ctx(self) -> Any:
        """The wired context (database, rules, calendar), built on first use: importing
        SQLAlchemy takes a quarter to half a second, so the first screen does not wait for
        it (see ``cases/store/quick.py``). Workers call this; the event loop rarely does."""
        with self._wiring:
            if self._ctx is None:
                from cases.bootstrap import bootstrap

                self._ctx = bootstrap(self.settings, self.clock)
            return self._ctx

    @property
    def wired(self) -> bool:
        return self._ctx is not None

    def on_mount(self) -> None:
        from tui.screens.caseload import CaseloadScreen

        localize_bindings(self, self.lang)
        self.push_screen(CaseloadScreen())
        self.set_interval(self.poll_seconds, self.poll_now)
        # The service module may import Prefect (seconds of CPU): not before the first screen.
        if self.service_delay > 0:
            self.set_timer(self.service_delay, self._probe_service)
        else:
            self._probe_service()
        self.set_interval(SERVICE_SECONDS, self._probe_service)

    # ---------------------------------------------------------------- changes elsewhere
    def poll_now(self) -> None:
        """Ask the database whether anything changed; every screen hears the answer."""
        self._poll()

    @work(thread=True, exclusive=True, group="poll")
    def _poll(self) -> None:
        try:
            with self.ctx.uow() as uow:
                marker = uow.cases.change_marker()
        except Exception:
            return  # busy or unreachable: the screens say so when their reads fail
        self.call_from_thread(self._broadcast, marker)

    def _broadcast(self, marker: tuple[int, ...]) -> None:
        self.marker = marker
        for screen in self.screen_stack:
            screen.post_message(DataChanged(marker))

    # ---------------------------------------------------------------- the service
    @work(thread=True, exclusive=True, group="service")
    def _probe_service(self) -> None:
        try:
            if self.start_service:
                self.start_service = False
                self.service.ensure_running()
            status = self.service.status()
        except Exception as exc:
            status = {"running": False, "health": {"error": str(exc).splitlines()[0][:80]}}
        self.post_message(ServiceState(status))

    def start_service_now(self) -> None:
        self.start_service = True
        self._probe_service()

    @on(ServiceState)
    def _service_state(self, message: ServiceState) -> None:
        self.service_status, self.service_known = message.status, True
        for screen in self.screen_stack:
            for bar in screen.query(TopBar):
                bar.known, bar.service = True, message.status
            if screen is not self.screen_stack[0]:
                screen.post_message(ServiceState(message.status))  # the service dialog

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``q``, ``?`` and ``L`` belong to the full screens: in a dialog they are letters,
        or the dialog's own keys (a stray ``q`` never quits from a half-filled form)."""
        if action in ("quit", "help", "switch_lang"):
            return not isinstance(self.screen, ModalScreen)
        return True

    # ---------------------------------------------------------------- language, help
    def action_switch_lang(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"

    def watch_lang(self, lang: Lang) -> None:
        localize_bindings(self, lang)
        for screen in self.screen_stack:
            if hasattr(screen, "set_lang"):
                screen.set_lang(lang)
        self.notify(t("lang.switched", lang))

    def action_help(self) -> None:
        from tui.dialogs.help import HelpDialog

        rows = self.screen.help_rows() if hasattr(self.screen, "help_rows") else []
        self.push_screen(HelpDialog(rows, self.lang))


def run_tui() -> None:
    """Open the app on the user's cases (``refundflow`` with no command, in a terminal)."""
    from cases.ports import FixedClock, SystemClock
    from cases.settings import Settings

    try:
        settings = Settings()
    except Exception as exc:  # pydantic's ValidationError: a bad REFUNDFLOW_* value
        from cases.i18n import InvalidInput, Text
        from tui.cli import _first_line

        raise InvalidInput(
            Text("设置有误：{err}", "bad setting: {err}", {"err": _first_line(exc)})
        ) from None
    clock = FixedClock(settings.now) if settings.now else SystemClock()
    if os.environ.get("REFUNDFLOW_TUI_SERVICE", "on").lower() in ("off", "0", "no"):
        # Neither start nor ask the service (tests, benchmarks, a machine without it).
        app = RefundflowApp(None, ServiceControl(), settings=settings, clock=clock,
                            start_service=False)
    else:
        app = RefundflowApp(None, settings=settings, clock=clock)
    app.run()
