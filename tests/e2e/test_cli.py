"""The command line end to end: cases, events, deadlines, evidence, refusals.

Every test runs the installed ``refundflow`` in a subprocess against its own home, with the
clock frozen at 2026-10-05 10:00 Asia/Shanghai (inside the National Day holiday).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import stat
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.e2e import add_args, cases_of, refused

LATER = "2026-10-20T10:00+08:00"
"""A "now" after every deadline of the journey has passed."""


def _by_kind(record: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(d["kind"], d["due_at"], d["status"]) for d in record["deadlines"]]


def _overdue_refs(cli: Any, now: str) -> list[str]:
    return [row["ref"] for row in cli.json("case", "list", "--overdue", REFUNDFLOW_NOW=now)]


# ------------------------------------------------------------------------------ journey
def test_a_case_from_draft_to_money_arrived(cli: Any) -> None:
    # case add: the new case as JSON, and the note that --paid-at had no zone
    new = cli.json(*add_args("O-1001", "128", "2026-09-29 10:00"))
    ref = new["ref"]
    assert re.fullmatch(r"RF-2026-\d{4}", ref) and ref == "RF-2026-0001"
    assert (new["stage"], new["amount"], new["currency"]) == ("draft", "128.00", "CNY")
    assert new["paid_at"] == "2026-09-29T10:00:00+08:00"
    assert new["notes"] == ["--paid-at has no zone; read as Asia/Shanghai time"]
    assert new["deadlines"] == [] and new["evidence"] == []

    # submitted on 2026-09-30 18:00: 3 working days skip the 10-01..10-07 holiday and end on
    # the make-up working Saturday 2026-10-10, at 24:00
    sub = cli.json("case", "event", ref, "submitted", "--at", "2026-09-30 18:00",
                   "--refund-no", "R1")
    assert sub["stage"] == "submitted" and sub["refund_no"] == "R1"
    assert sub["notes"] == ["--at has no zone; read as Asia/Shanghai time"]
    assert _by_kind(sub) == [("review", "2026-10-11T00:00:00+08:00", "open")]
    assert "2026-10-10" in sub["deadlines"][0]["rule"]
    assert sub["deadlines"][0]["provisional"] is False

    shown = cli.json("case", "show", ref)
    assert (shown["ref"], shown["stage"], shown["amount"], shown["currency"]) == (
        ref, "submitted", "128.00", "CNY")
    for deadline in shown["deadlines"]:
        assert {"kind", "due_at", "provisional", "status", "rule"} <= deadline.keys()
        assert datetime.fromisoformat(deadline["due_at"]).utcoffset() is not None
        assert deadline["status"] in {"open", "met", "missed", "cancelled"}
        assert isinstance(deadline["provisional"], bool) and deadline["rule"]
    assert [e["kind"] for e in shown["events"]] == ["created", "submitted"]
    assert all(re.fullmatch(r"[0-9a-f]{64}", e["hash"]) for e in shown["events"])
    assert shown["events"][1]["at"] == "2026-09-30T18:00:00+08:00"
    assert shown["evidence"] == []
    # people see the deadline as the law counts it: 24:00 of its last day
    page = cli("case", "show", ref).stdout
    assert "2026-10-10 24:00" in page and "3 working days after 2026-09-30 18:00" in page

    # the review deadline has passed by 2026-10-20: the case is overdue then, not now
    assert _overdue_refs(cli, LATER) == [ref]

    asked = cli.json("case", "event", ref, "supplement_requested", "--at", "2026-10-02T09:00+08:00")
    assert asked["stage"] == "supplement_requested"
    assert _by_kind(asked) == [
        ("review", "2026-10-11T00:00:00+08:00", "met"),
        ("supplement", "2026-10-03T09:00:00+08:00", "open"),  # 24 calendar hours
    ]

    answered = cli.json("case", "event", ref, "supplemented", "--at", "2026-10-02T20:00+08:00")
    assert answered["stage"] == "submitted"
    assert _by_kind(answered)[1:] == [
        ("supplement", "2026-10-03T09:00:00+08:00", "met"),
        ("review", "2026-10-11T00:00:00+08:00", "open"),
    ]

    approved = cli.json("case", "event", ref, "approved", "--at", "2026-10-04T12:00+08:00")
    assert approved["stage"] == "approved"
    assert _by_kind(approved)[2:] == [
        ("review", "2026-10-11T00:00:00+08:00", "met"),
        # Alipay: escalate after 5 working days: 10-08, 09, 10 (Sat), 12, 13
        ("arrival", "2026-10-14T00:00:00+08:00", "open"),
    ]

    arrived = cli.json("case", "event", ref, "arrived")
    assert arrived["stage"] == "arrived"
    assert (arrived["refunded"], arrived["outstanding"]) == ("128.00", "0.00")
    assert [d["status"] for d in arrived["deadlines"]] == ["met"] * 4
    assert arrived["next_deadline"] is None
    assert [e["kind"] for e in arrived["events"]] == [
        "created", "submitted", "supplement_requested", "supplemented", "approved", "arrived"]
    # nothing left to chase, even on 2026-10-20
    assert _overdue_refs(cli, LATER) == []


def test_the_case_page_shows_the_stage(cli: Any) -> None:
    page = cli(*add_args("O-1002")).stdout  # without --json: the page people read
    assert re.search(r"^Case\s+RF-2026-0001\s+\(draft\)", page, re.MULTILINE), page


def test_a_deadline_reaching_into_2027_is_provisional(cli: Any) -> None:
    late = {"REFUNDFLOW_NOW": "2026-12-29T10:00+08:00"}
    new = cli.json(*add_args("O-2027", "50", "2026-12-27T10:00+08:00",
                             "--rule", "review=30 working days"), **late)
    assert new["rule_overrides"] == {"review": "30 working days"}
    sub = cli.json("case", "event", new["ref"], "submitted", "--at", "2026-12-28T18:00+08:00",
                   **late)
    [review] = sub["deadlines"]
    assert review["kind"] == "review" and review["duration"] == "30 working days"
    assert review["due_at"].startswith("2027-")
    assert review["provisional"] is True
    assert "provisional" in review["rule"].lower() and "2027" in review["rule"]


# ----------------------------------------------------------------------------- evidence
def _verify(cli: Any, ref: str) -> tuple[int, str]:
    result = cli("case", "verify", ref, check=False)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result.returncode, result.stdout + result.stderr


def test_evidence_is_kept_by_hash_and_verify_catches_tampering(
    cli: Any, home: Path, tmp_path: Path
) -> None:
    ref = cli.json(*add_args("O-3001"))["ref"]
    original = tmp_path / "订单截图.png"
    content = b"\x89PNG order 3001, paid 128.00 at 2026-09-29 10:00"
    original.write_bytes(content)
    sha = hashlib.sha256(content).hexdigest()

    kept = cli.json("evidence", "add", ref, str(original), "--kind", "purchase")
    assert (kept["sha256"], kept["name"], kept["size"]) == (sha, "订单截图.png", len(content))
    stored = home / "evidence" / sha[:2] / sha
    assert stored.read_bytes() == content
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
    assert original.read_bytes() == content  # the original is untouched and still there
    assert not stored.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)

    code, said = _verify(cli, ref)
    assert code == 0 and f"{ref} is intact" in said, said

    # (a) the stored evidence file is changed
    stored.chmod(0o644)
    stored.write_bytes(content + b" edited")
    code, said = _verify(cli, ref)
    assert code == 6, said
    assert "订单截图.png" in said and "has been changed" in said
    stored.write_bytes(content)

    # (b) an event's data is edited in the database
    db = sqlite3.connect(home / "refundflow.db")
    try:
        (data,) = db.execute("SELECT data FROM events WHERE seq = 1").fetchone()
        forged = json.loads(data)
        forged["amount"] = "1280.00"
        db.execute("UPDATE events SET data = ? WHERE seq = 1", (json.dumps(forged),))
        db.commit()
        code, said = _verify(cli, ref)
        assert code == 6, said
        assert "event #1 (created) was changed after it was recorded" in said
        db.execute("UPDATE events SET data = ? WHERE seq = 1", (data,))
        db.commit()

        # (c) the last event (evidence_added, #2) is deleted
        db.execute("DELETE FROM events WHERE seq = 2")
        db.commit()
    finally:
        db.close()
    code, said = _verify(cli, ref)
    assert code == 6, said
    assert "2 events expected, 1 found" in said
    assert "is not on the timeline" in said  # the evidence lost its timeline entry


def test_verify_names_only_the_deleted_event_in_the_middle(
    cli: Any, home: Path, tmp_path: Path
) -> None:
    ref = cli.json(*add_args("O-3002"))["ref"]
    for name in ("a.png", "b.png", "c.png"):
        (tmp_path / name).write_bytes(name.encode())
        cli("evidence", "add", ref, str(tmp_path / name), "--kind", "problem")
    db = sqlite3.connect(home / "refundflow.db")
    try:
        db.execute("DELETE FROM events WHERE seq = 2")
        db.commit()
    finally:
        db.close()
    code, said = _verify(cli, ref)
    assert code == 6 and "timeline event #2 is missing" in said, said
    assert "event #3 does not link to the event before it" in said
    assert "#3 is missing" not in said, said  # event #3 is there


# ------------------------------------------------------------------------- bad input
def test_bad_input_is_refused_in_one_line_and_changes_nothing(
    cli: Any, tmp_path: Path
) -> None:
    # two cases for the same order; RF-2026-0001's application is live (awaiting review)
    sheet = tmp_path / "two.csv"
    sheet.write_text(
        "platform,order,product,amount,channel,reason,paid_at,submitted_at\n"
        "115卡盟,O-5001,月卡,128,alipay,not_as_described,2026-09-29 10:00,2026-09-30 18:00\n"
        "115卡盟,O-5001,月卡,128,alipay,not_as_described,2026-09-29 10:00,\n",
        encoding="utf-8",
    )
    assert cli.json("import", str(sheet))["refs"] == ["RF-2026-0001", "RF-2026-0002"]
    before = cases_of(cli("export", "--format", "json").stdout)

    missing = tmp_path / "no-such-shot.png"
    attempts: list[tuple[list[str], int, tuple[str, ...]]] = [
        (add_args("O-9", "-5"), 2, ("-5", "must be above 0")),
        (add_args("O-9", "12.345"), 2, ("12.345", "more than two decimals", "to the cent")),
        (add_args("O-9", "abc"), 2, ('"abc"', "write a number such as 128.00")),
        (["case", "add", "--platform", "115卡盟", "--order", "O-9", "--product", "x",
          "--amount", "5", "--channel", "paypal", "--reason", "other",
          "--paid-at", "2026-09-29T10:00+08:00"], 2, ('"paypal"', "choose one of alipay|")),
        (["case", "add", "--platform", "115卡盟", "--order", "O-9", "--product", "x",
          "--amount", "5", "--channel", "alipay", "--reason", "bored",
          "--paid-at", "2026-09-29T10:00+08:00"], 2, ('"bored"', "choose one of not_activated|")),
        (["case", "event", "RF-2026-0001", "approved", "--at", "2026-10-06 10:00"], 2,
         ("2026-10-06 10:00 is in the future", "omit --at")),
        (["evidence", "add", "RF-2026-0001", str(missing), "--kind", "purchase"], 2,
         (str(missing), "check the path")),
        (["case", "event", "RF-2026-0099", "approved"], 3,
         ("no case RF-2026-0099", "refundflow case list")),
        # the same order submitted on a second case: refused, naming the first
        (["case", "event", "RF-2026-0002", "submitted", "--at", "2026-10-01 10:00"], 5,
         ("order O-5001 already has a live refund application (RF-2026-0001)", "--force")),
    ]
    for args, code, needles in attempts:
        refused(cli(*args, check=False), code, *needles)

    early = cli("case", "event", "RF-2026-0001", "arrived", check=False)
    assert refused(early, 4) == (
        "RF-2026-0001 is awaiting review; record an approval before the money can arrive."
    )
    zh = cli("case", "event", "RF-2026-0001", "arrived", check=False, REFUNDFLOW_LANG="zh")
    assert refused(zh, 4) == "RF-2026-0001 当前为“等待审核”；先记录平台同意退款，才能记录到账。"
    assert zh.stderr.startswith("错误：")

    assert cases_of(cli("export", "--format", "json").stdout) == before

    # --force: the user insists on a second application
    forced = cli.json("case", "event", "RF-2026-0002", "submitted", "--at", "2026-10-01 10:00",
                      "--force")
    assert forced["stage"] == "submitted"
    assert [d["kind"] for d in forced["deadlines"]] == ["review"]


def test_names_with_brackets_are_shown_as_typed(cli: Any, tmp_path: Path) -> None:
    """Square brackets are ordinary text, not styling: ``[x]截图.png`` stays that name."""
    ref = cli.json(*add_args("[A]-1"))["ref"]
    shot = tmp_path / "[x]截图.png"
    shot.write_bytes(b"\x89PNG")
    cli("evidence", "add", ref, str(shot), "--kind", "purchase")
    shown = cli("case", "show", ref).stdout
    row = next(line for line in shown.splitlines() if "purchase proof" in line)
    assert "[x]截图.png" in row, shown
    assert "[A]-1" in next(line for line in shown.splitlines() if line.startswith("Order"))


def test_evidence_sizes_are_shown_as_people_read_them(cli: Any, tmp_path: Path) -> None:
    ref = cli.json(*add_args("S-1"))["ref"]
    shot = tmp_path / "聊天记录.png"
    shot.write_bytes(b"x" * 3000)
    added = cli("evidence", "add", ref, str(shot), "--kind", "communication").stdout
    assert added.rstrip().endswith("(2.9 KB)"), added
    tiny = tmp_path / "note.txt"
    tiny.write_bytes(b"7 bytes")
    cli("evidence", "add", ref, str(tiny), "--kind", "other")
    english = cli("case", "show", ref).stdout
    row = next(line for line in english.splitlines() if "聊天记录.png" in line and "…" in line)
    assert "2.9 KB" in row, english
    assert "size=2.9 KB" in english and "size=7 B" in english, english
    chinese = cli("case", "show", ref, REFUNDFLOW_LANG="zh").stdout
    assert "大小=2.9 KB" in chinese and "大小" in chinese.split("证据")[-1], chinese
    assert cli.json("case", "show", ref)["evidence"][0]["size"] == 3000  # scripts get bytes


def test_the_case_page_names_the_rung_in_the_users_language(cli: Any) -> None:
    ref = cli.json(*add_args("R-1"))["ref"]
    cli("case", "event", ref, "submitted", "--at", "2026-09-30 18:00")
    english = cli("case", "show", ref).stdout
    assert "Refund application on the platform (refund_application)" in english
    chinese = cli("case", "show", ref, REFUNDFLOW_LANG="zh").stdout
    assert "平台退款申请 (refund_application)" in chinese


def test_a_draft_says_when_its_deadlines_start(cli: Any) -> None:
    ref = cli.json(*add_args("D-1", "128", "2026-09-29T10:00+08:00", "--reason",
                             "false_promise"))["ref"]
    assert cli.json("case", "show", ref)["deadlines"] == []
    shown = cli("case", "show", ref).stdout
    assert "Deadlines: none yet. They start when you record the application" in shown
    assert "期限：暂无" in cli("case", "show", ref, REFUNDFLOW_LANG="zh").stdout


def test_the_timeline_reads_in_the_users_language(cli: Any) -> None:
    ref = cli.json(*add_args("T-1", "128", "2026-09-29T10:00+08:00"))["ref"]
    chinese = cli("case", "show", ref, REFUNDFLOW_LANG="zh").stdout
    assert "平台=115卡盟" in chinese and "支付方式=支付宝" in chinese, chinese
    assert "付款时间=2026-09-29 10:00" in chinese and "channel=" not in chinese
    english = cli("case", "show", ref).stdout
    assert "channel=Alipay" in english and "paid_at=2026-09-29 10:00" in english, english


def test_a_chinese_user_types_as_an_input_method_writes(cli: Any, tmp_path: Path) -> None:
    """Labels and short names for values, a Chinese date, the order number for the case."""
    new = cli.json(
        "case", "add", "--platform", "115卡盟", "--order", "KM20260930001", "--product", "年卡",
        "--amount", "１２８．００", "--channel", "微信", "--reason", "未激活",
        "--paid-at", "2026年9月29日 10点30分", REFUNDFLOW_LANG="zh",
    )
    assert (new["amount"], new["channel"], new["reason"]) == ("128.00", "wechat", "not_activated")
    assert new["paid_at"] == "2026-09-29T10:30:00+08:00"
    sub = cli.json("case", "event", "KM20260930001", "submitted", "--at", "2026年9月30日 18:00")
    assert (sub["ref"], sub["stage"]) == (new["ref"], "submitted")
    assert cli.json("case", "show", "rf-2026-1")["stage"] == "submitted"
    shot = tmp_path / "截图.png"
    shot.write_bytes(b"\x89PNG")
    cli("evidence", "add", "KM20260930001", str(shot), "--kind", "其他")
    assert [e["kind"] for e in cli.json("case", "show", new["ref"])["evidence"]] == ["other"]


def test_times_are_typed_from_today(cli: Any) -> None:
    """At the keyboard, days are named from today (2026-10-05): 昨天下午6点 is 10-04 18:00."""
    ref = cli.json(*add_args("Y-1", "128", "前天 10:00"))["ref"]
    assert cli.json("case", "show", ref)["paid_at"] == "2026-10-03T10:00:00+08:00"
    sub = cli.json("case", "event", ref, "submitted", "--at", "昨天下午6点")
    assert sub["events"][-1]["at"] == "2026-10-04T18:00:00+08:00"
    assert sub["deadlines"][0]["rule"].startswith("3 working days after 2026-10-04 18:00")
    result = cli("case", "event", ref, "approved", "--at", "明天 9:00", check=False)
    refused(result, 2, 'cannot read the time "明天 9:00"')


def test_an_order_number_of_two_cases_asks_which_one(cli: Any) -> None:
    first = cli.json(*add_args("KM-2"))["ref"]
    second = cli.json(*add_args("KM-2", "128", "2026-09-29T10:00+08:00", "--platform", "易购卡盟"))[
        "ref"
    ]
    result = cli("case", "event", "KM-2", "submitted", check=False, REFUNDFLOW_LANG="zh")
    refused(result, 3, f"订单号 KM-2 有 2 个案件：{first}, {second}")
    assert [cli.json("case", "show", ref)["stage"] for ref in (first, second)] == ["draft"] * 2


def test_a_team_hands_a_case_to_someone_else(cli: Any) -> None:
    ref = cli.json(*add_args("A-1", "128", "2026-09-29T10:00+08:00", "--assignee", "张伟"))["ref"]
    moved = cli.json("case", "set", ref, "--assignee", "李娜", REFUNDFLOW_ACTOR="张伟")
    assert moved["assignee"] == "李娜"
    last = moved["events"][-1]
    assert (last["kind"], last["data"], last["actor"]) == (
        "assignee_changed", {"assignee": "李娜", "was": "张伟"}, "张伟")
    assert [row["assignee"] for row in cli.json("case", "list")] == ["李娜"]  # the list's copy
    page = cli("case", "show", ref, REFUNDFLOW_LANG="zh").stdout
    assert re.search(r"^负责人 +李娜", page, re.M) and "更换负责人" in page
    assert "负责人=李娜, 原为=张伟" in page
    cli("case", "verify", ref)
    refused(cli("case", "set", ref, check=False), 2, "nothing to change", "--assignee")
