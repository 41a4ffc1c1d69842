"""The background service's status, as ``flows.control`` reports it, in the TUI's words."""

from __future__ import annotations

from typing import Any


def test_the_real_service_status_reads_as_one_line(home: Any) -> None:
    from cases.settings import Settings
    from tui.widgets.service import FlowsService, details, summary

    status = FlowsService(Settings(home=home)).status()  # nothing runs in a fresh home
    assert status is not None and status["running"] is False
    assert summary(status, "en") == "service: not running"
    running = {"running": True, "pid": 7, "responsive": True, "prefect_api_url": "http://x/api",
               "parts": {"scheduler": {"ok": True, "handled": 3},
                         "notifications": {"ok": False, "state": "failed"}}}
    assert summary(running, "en") == "service: degraded (notifications)"
    assert summary({**running, "responsive": False}, "zh") == "后台服务：无响应"
    rows = {part: (state, ok) for part, state, ok in details(running, "en")}
    assert rows["notifications"] == ("failing  state=failed", False)
    assert rows["scheduler"][1] and rows["prefect_api_url"] == ("http://x/api", True)


def test_a_service_that_has_just_started_is_starting_not_degraded() -> None:
    from tui.widgets.service import details, summary

    waiting = {"ok": False, "starting": True, "url": "http://127.0.0.1:4200"}
    status = {"running": True, "pid": 7, "responsive": True,
              "parts": {"scheduler": {"ok": True}, "server": waiting,
                        "dispatcher": {"ok": False, "starting": True}}}
    assert summary(status, "en") == "starting the background service…"
    assert summary(status, "zh") == "正在启动后台服务…"
    rows = {part: (state, ok) for part, state, ok in details(status, "en")}
    assert rows["server"] == ("starting  url=http://127.0.0.1:4200", False)
    # one part failing for real: the whole is degraded, naming that part only
    broken = {**status, "parts": {**status["parts"], "notifications": {"ok": False}}}
    assert summary(broken, "en") == "service: degraded (server, dispatcher, notifications)"
