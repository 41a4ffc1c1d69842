"""``refundflow letter``, ``ladder`` and ``dossier`` end to end, as a user runs them.

Each test runs the installed command in a subprocess with its own home and the clock frozen
at 2026-10-05 10:00 Asia/Shanghai. The dossier tests unzip the archive, recompute every
hash, and tamper with an evidence file or the timeline to see it reported.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cases.model import GENESIS, Event
from cases.vocabulary import EventKind


def add(cli: Any, order: str, *extra: str, amount: str = "198", reason: str = "false_promise",
        paid: str = "2026-09-18T20:15+08:00", merchant: str = "星辰数码") -> str:
    case = cli.json("case", "add", "--platform", "115卡盟", "--merchant", merchant,
                    "--product", "115 超级会员年卡", "--channel", "alipay", "--reason", reason,
                    "--order", order, "--amount", amount, "--paid-at", paid, *extra)
    return str(case["ref"])


def attach(cli: Any, ref: str, folder: Path, name: str, kind: str, note: str, at: str) -> Path:
    path = folder / name
    path.write_bytes(f"{kind}:{name}".encode())
    cli("evidence", "add", ref, str(path), "--kind", kind, "--note", note, "--captured-at", at)
    return path


def refused(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    """One clear line on stderr, a non-zero exit, no traceback."""
    shown = f"exit {result.returncode}\nstdout: {result.stdout!r}\nstderr: {result.stderr!r}"
    assert result.returncode != 0 and "Traceback" not in result.stderr, shown
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and all(n in lines[0] for n in needles), shown


@pytest.fixture
def journey(cli: Any, tmp_path: Path) -> str:
    """A case with evidence attached out of order, an application and a rejection."""
    ref = add(cli, "KM20260918001")
    attach(cli, ref, tmp_path, "chat.png", "communication", "客服聊天记录",
           "2026-09-22T11:00+08:00")
    attach(cli, ref, tmp_path, "order.png", "purchase", "订单截图", "2026-09-18T20:20+08:00")
    attach(cli, ref, tmp_path, "page.jpg", "promise", "商品页永久承诺", "2026-09-18T20:21+08:00")
    cli("case", "event", ref, "submitted", "--at", "2026-09-22T10:00+08:00",
        "--refund-no", "TK1")
    cli("case", "event", ref, "rejected", "--at", "2026-09-25T16:00+08:00")
    return ref


# --- letter ---------------------------------------------------------------------------------


def test_letter_is_chinese_by_default_and_english_on_request(cli: Any, journey: str) -> None:
    zh = cli("letter", journey)  # the interface speaks English (REFUNDFLOW_LANG=en)
    assert zh.stdout.startswith("申诉书（申请平台介入处理）")  # rejected → the platform appeal
    for needle in ("KM20260918001", "TK1", "《消费者权益保护法》第二十条",
                   "01-购买凭证-订单截图.png", "03-沟通记录-客服聊天记录.png", "退还 ¥198.00",
                   "请在 2026-10-13 24:00 前"):
        assert needle in zh.stdout
    assert "note: Evidence still missing: proof that the service has ended" in zh.stderr
    en = cli("letter", journey, "--lang", "en", "--rung", "samr_12315")
    assert en.stdout.startswith("12315 complaint")
    assert "additional compensation of ¥594.00 under CPL Art. 55" in en.stdout


def test_letter_to_a_file_and_to_the_clipboard(cli: Any, journey: str, tmp_path: Path) -> None:
    out = tmp_path / "appeal.txt"
    cli("letter", journey, "-o", str(out))
    assert out.read_text(encoding="utf-8") == cli("letter", journey).stdout
    tools = tmp_path / "bin"
    tools.mkdir()
    clip = tmp_path / "clipboard.txt"
    fake = tools / "wl-copy"
    fake.write_text(f"#!{sys.executable}\nimport sys\nopen({str(clip)!r}, 'wb').write("
                    "sys.stdin.buffer.read())\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    copied = cli("letter", journey, "--copy", PATH=f"{tools}{os.pathsep}{os.environ['PATH']}")
    assert copied.stdout == "" and "copied to the clipboard (wl-copy)" in copied.stderr
    assert clip.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")
    none = cli("letter", journey, "--copy", check=False, PATH=str(tmp_path / "empty"))
    refused(none, "no working clipboard tool")


def test_bad_input_gets_one_clear_line(cli: Any, journey: str) -> None:
    refused(cli("letter", journey, "--rung", "heaven", check=False), "no rung called 'heaven'")
    refused(cli("letter", journey, "--lang", "fr", check=False), "zh or en")
    refused(cli("letter", "RF-2026-9999", check=False), "no case RF-2026-9999")
    other = add(cli, "O-2", reason="not_as_described")
    refused(cli("letter", other, "--rung", "police", check=False), "vanished platform")
    partly = add(cli, "O-3", reason="partly_used")
    refused(cli("letter", partly, check=False), "--usage")
    assert "¥132.00" in cli("letter", partly, "--usage", "10/30 days").stdout
    refused(cli("ladder", check=False), "either a case reference")
    refused(cli("dossier", journey, check=False), "-o FILE.zip")
    refused(cli("ladder", journey, "--province", "火星", check=False), "火星")


# --- ladder ---------------------------------------------------------------------------------


def test_ladder_shows_dates_traps_and_warnings(cli: Any, journey: str) -> None:
    view = cli.json("ladder", journey)
    by_key = {r["key"]: r for r in view["rungs"]}
    assert view["current"] == "platform_arbitration" and view["next"] == "samr_12315"
    assert by_key["samr_12315"]["last_safe_shown"] == "2029-09-18 24:00"
    assert by_key["samr_12315"]["earliest"] == "2026-10-14T00:00:00+08:00"
    assert [t["key"] for t in by_key["police"]["traps"]] == ["police_threshold"]
    assert any("refund agent" in w for w in view["warnings"])
    text = cli("ladder", journey, "--province", "江苏").stdout
    for needle in ("step to take now: Platform intervention", "Last safe date",
                   "Jiangsu small-claims cap: ¥60,862.00", "unverified", "Never pay a merchant"):
        assert needle in text


def test_ladder_refuses_a_rung_whose_door_has_closed(cli: Any) -> None:
    old = add(cli, "O-OLD", paid="2023-01-10T10:00+08:00")
    text = cli("ladder", old).stdout
    assert "✗ will be refused (do not file): More than 3 years have passed" in text
    fresh = add(cli, "O-NEW")
    assert "will be refused" not in cli("ladder", fresh).stdout


def test_ladder_warns_of_a_second_live_application(cli: Any) -> None:
    first = add(cli, "O-SAME")
    second = add(cli, "O-SAME")
    cli("case", "event", first, "submitted", "--at", "2026-10-01T10:00+08:00")
    busy = cli.json("ladder", second)["warnings"]
    assert any("1 other live refund application" in w for w in busy)
    calm = cli.json("ladder", first)["warnings"]
    assert not any("other live" in w for w in calm)


def test_joint_complaint_for_every_open_case_against_a_merchant(cli: Any, tmp_path: Path) -> None:
    add(cli, "O-A", amount="198")
    add(cli, "O-B", "--usage", "10/30 days", amount="30", reason="partly_used")
    add(cli, "O-C", merchant="别家")
    out = tmp_path / "joint.txt"
    done = cli("ladder", "--merchant", "星辰数码", "-o", str(out))
    text = out.read_text(encoding="utf-8")
    assert "订单 O-A" in text and "订单 O-B" in text and "O-C" not in text
    assert "合计：付款 ¥228.00，诉求退还 ¥218.00" in text and "推选两名" in text
    assert "2 cases, ¥218.00 claimed in total" in done.stderr
    data = cli.json("ladder", "--merchant", "115卡盟", "--lang", "en")
    assert [c["order"] for c in data["cases"]] == ["O-A", "O-B", "O-C"]
    refused(cli("ladder", "--merchant", "别家", check=False), "at least two")


# --- dossier --------------------------------------------------------------------------------


def unzip(path: Path, into: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        archive.extractall(into)
    return dict(json.loads((into / "manifest.json").read_text(encoding="utf-8")))


def chain_breaks(timeline: dict[str, Any]) -> list[int]:
    """Recompute each event's hash from timeline.json; the seqs that do not match."""
    broken, previous = [], GENESIS
    for e in timeline["events"]:
        event = Event(EventKind(e["kind"]), datetime.fromisoformat(e["at"]),
                      datetime.fromisoformat(e["recorded_at"]), e["data"], e["actor"])
        event.seq, event.prev_hash = e["seq"], e["prev_hash"]
        if e["prev_hash"] != previous or event.compute_hash(timeline["ref"]) != e["hash"]:
            broken.append(e["seq"])
        previous = e["hash"]
    return broken


def test_dossier_holds_everything_and_every_hash_checks_out(
        cli: Any, journey: str, tmp_path: Path) -> None:
    zipped = tmp_path / "dossier.zip"
    done = cli("dossier", journey, "-o", str(zipped))
    assert "3 of them evidence" in done.stdout
    manifest = unzip(zipped, tmp_path / "x")
    names = sorted(p.name for p in (tmp_path / "x" / "evidence").iterdir())
    assert names == ["01-购买凭证-订单截图.png", "02-宣传承诺证据-商品页永久承诺.jpg",
                     "03-沟通记录-客服聊天记录.png"]
    for entry in manifest["files"]:
        data = (tmp_path / "x" / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["size"]
    assert {"index.md", "index.html", "timeline.json", "case.json",
            "letter-platform_arbitration.zh.txt"} <= {f["path"] for f in manifest["files"]}
    assert all(e["sha256"] == e["recorded_sha256"] for e in manifest["evidence"])
    assert [e["captured"] for e in manifest["evidence"]] == [
        "2026-09-18 20:20", "2026-09-18 20:21", "2026-09-22 11:00"]
    timeline = json.loads((tmp_path / "x" / "timeline.json").read_text(encoding="utf-8"))
    assert chain_breaks(timeline) == [] and timeline["events"][-1]["hash"] == timeline["head_hash"]
    verify = cli.json("case", "verify", journey)
    assert manifest["verification"]["ok"] is verify["ok"] is True
    assert manifest["verification"]["events"] == verify["events"]
    index = (tmp_path / "x" / "index.md").read_text(encoding="utf-8")
    assert index.splitlines()[2].startswith("> ✓ 完整性检查通过")
    assert "<html lang=\"zh-CN\">" in (tmp_path / "x" / "index.html").read_text(encoding="utf-8")


def test_dossier_reports_a_tampered_evidence_file(cli: Any, journey: str, tmp_path: Path,
                                                   home: Path) -> None:
    record = cli.json("case", "show", journey)
    sha = next(e["sha256"] for e in record["evidence"] if e["kind"] == "purchase")
    stored = home / "evidence" / sha[:2] / sha
    stored.chmod(0o644)
    stored.write_bytes(b"edited screenshot")
    zipped = tmp_path / "d.zip"
    done = cli("dossier", journey, "-o", str(zipped), "--lang", "en")
    assert "the integrity check failed" in done.stderr
    manifest = unzip(zipped, tmp_path / "x")
    verify = cli("case", "verify", journey, "--json", check=False)
    assert verify.returncode == 6
    assert manifest["verification"]["problems"] == json.loads(verify.stdout)["problems"]
    bad = next(e for e in manifest["evidence"] if e["recorded_sha256"] == sha)
    shipped = (tmp_path / "x" / bad["path"]).read_bytes()
    assert bad["state"] == "changed" and hashlib.sha256(shipped).hexdigest() != sha
    first_page = (tmp_path / "x" / "index.md").read_text(encoding="utf-8")[:400]
    assert "Integrity check FAILED" in first_page and "has been changed" in first_page
    html = (tmp_path / "x" / "index.html").read_text(encoding="utf-8")
    assert html.index('class="alert"') < html.index("<h2>")


def test_dossier_reports_a_tampered_timeline(cli: Any, journey: str, tmp_path: Path,
                                             home: Path) -> None:
    with sqlite3.connect(home / "refundflow.db") as db:
        db.execute("UPDATE events SET data = ? WHERE seq = 1",
                   (json.dumps({"amount": "1.00"}),))
    zipped = tmp_path / "d.zip"
    cli("dossier", journey, "-o", str(zipped))
    manifest = unzip(zipped, tmp_path / "x")
    assert manifest["verification"]["ok"] is False
    assert any("#1" in p for p in manifest["verification"]["problems_en"])
    timeline = json.loads((tmp_path / "x" / "timeline.json").read_text(encoding="utf-8"))
    assert chain_breaks(timeline) == [1]
    first_page = (tmp_path / "x" / "index.md").read_text(encoding="utf-8")[:400]
    assert "完整性检查未通过" in first_page and "第 1 条事件" in first_page
