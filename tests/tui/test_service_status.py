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
