"""How the command line and the TUI write an event's record on the timeline."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from tui.output import event_details, show_size

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_missed_deadline_on_the_timeline_ends_at_24_00_as_in_the_deadline_table() -> None:
    data = {"deadline": "review", "rule": "review", "round": 1,
            "due_at": "2026-11-13T16:00:00+00:00"}
    assert event_details(data, "zh", SHANGHAI) == (
        "期限=平台审核, 规则=review, 轮次=1, 截止=2026-11-13 24:00"
    )
    assert event_details(data, "en", SHANGHAI).endswith("due_at=2026-11-13 24:00")


def test_a_payment_time_is_shown_in_the_cases_zone() -> None:
    data = {"paid_at": "2026-09-30T02:00:00+00:00", "note": None}
    assert event_details(data, "en", SHANGHAI) == "paid_at=2026-09-30 10:00"


def test_sizes_read_in_the_unit_that_fits() -> None:
    assert [show_size(n) for n in (0, 1023, 1024, 3000, 5 * 2**20, 3 * 2**30)] == [
        "0 B", "1023 B", "1.0 KB", "2.9 KB", "5.0 MB", "3.0 GB"
    ]
