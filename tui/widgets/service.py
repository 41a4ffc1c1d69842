"""The background service as the TUI sees it: start it, ask how it is, say it in a line.

``flows.control`` (the service's own module) may be missing from a build or land later, so
it is imported late and guarded; without it the TUI says "service: not running" and mail
waits in the outbox. Both calls may block (a process start, a health probe over HTTP):
screens call them from thread workers only.
"""

from __future__ import annotations

from typing import Any

from cases.i18n import Lang
from tui.i18n_tui import t


class ServiceControl:
    """What the TUI needs of the background service; tests pass a subclass."""

    def ensure_running(self) -> None:
        """Start the service if it is not running (returns when it has been asked to)."""

    def status(self) -> dict[str, Any] | None:
        """``running``, ``pid``, ``prefect_api_url``, ``health`` per part; ``None``: no service."""
        return None


class FlowsService(ServiceControl):
    """The real service, through ``flows.control`` when this build has it."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    def _control(self) -> Any | None:
        try:
            import flows.control as control
        except ImportError:
            return None
        return control

    def ensure_running(self) -> None:
        control = self._control()
        start = getattr(control, "ensure_running", None)
        if start is not None:
            start(self.settings)

    def status(self) -> dict[str, Any] | None:
        control = self._control()
        probe = getattr(control, "status", None)
        if probe is None:
            return None
        found = probe(self.settings)
        return dict(found) if found is not None else None


def _healthy(value: Any) -> bool:
    if isinstance(value, dict):
        value = value.get("ok", value.get("status", value.get("healthy", True)))
    if isinstance(value, str):
        return value.lower() in ("ok", "up", "running", "healthy", "true")
    return bool(value)


def _parts(status: dict[str, Any]) -> dict[str, Any]:
    """Each part's health: ``parts`` (``flows.control``) or ``health`` (older builds)."""
    return dict(status.get("parts") or status.get("health") or {})


def summary(status: dict[str, Any] | None, lang: Lang) -> str:
    """One line for the top bar: not running / starting / not responding / degraded / running."""
    if status is None or not status.get("running"):
        return t("service.none", lang)
    if status.get("starting"):
        return t("service.starting", lang)
    if status.get("responsive") is False:
        return t("service.stale", lang)
    parts = _parts(status)
    sick = [name for name, value in parts.items() if not _healthy(value)]
    if sick and all(_starting(parts[name]) for name in sick):
        return t("service.starting", lang)
    if sick:
        return t("service.degraded", lang) + " (" + ", ".join(sick) + ")"
    pid = status.get("pid")
    return t("service.running", lang) + (f" (pid {pid})" if pid else "")


def _starting(value: Any) -> bool:
    """A part not up yet because the service has only just started (``flows.orchestra``)."""
    return isinstance(value, dict) and bool(value.get("starting"))


def _describe(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value)
    facts = [f"{k}={v}" for k, v in value.items()
             if k not in ("ok", "starting") and v not in (None, "", {})]
    state = "ok" if _healthy(value) else "starting" if _starting(value) else "failing"
    return state + ("  " + ", ".join(facts) if facts else "")


def details(status: dict[str, Any] | None, lang: Lang) -> list[tuple[str, str, bool]]:
    """(part, state, healthy) rows for the service dialog."""
    if status is None:
        return []
    running = bool(status.get("running"))
    rows = [("running", "yes" if running else "no", running)]
    if "responsive" in status:
        rows.append(("responsive", "yes" if status["responsive"] else "no",
                     bool(status["responsive"])))
    for key in ("pid", "prefect_api_url", "prefect_ui_url", "log", "last_error"):
        if status.get(key):
            rows.append((key, str(status[key]), key != "last_error"))
    for name, value in _parts(status).items():
        rows.append((name, _describe(value), _healthy(value)))
    return rows
