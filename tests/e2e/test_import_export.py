"""Import and export end to end: Excel CSVs (UTF-8 with BOM, GB18030), JSON, round trips."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import NOW, Cli
from tests.e2e import add_args, cases_of, refused

ZH_HEADER = "平台,订单号,商品,金额,支付方式,退款原因,付款时间"


def _sheet(header: str, *rows: str) -> str:
    return "\r\n".join([header, *rows]) + "\r\n"  # Excel writes CRLF


def _by_order(cases: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {case["order"]: case for case in cases}


def test_excel_csv_in_utf8_bom_and_gb18030_and_a_json_list(cli: Any, tmp_path: Path) -> None:
    row = "115卡盟,{order},王者荣耀点券,128.00,支付宝,与描述不符,2026-09-29 10:00"
    bom = tmp_path / "退款.csv"
    bom.write_bytes(_sheet(ZH_HEADER, row.format(order="U-1"), row.format(order="U-2"))
                    .encode("utf-8-sig"))
    gb = tmp_path / "退款-gb.csv"
    gb.write_bytes(_sheet(ZH_HEADER, row.format(order="G-1")).encode("gb18030"))
    english = tmp_path / "english.csv"
    english.write_bytes(_sheet(
        "platform,order,product,amount,channel,reason,paid_at,submitted_at,refund_no",
        "115卡盟,E-1,爱奇艺会员,30,wechat,not_activated,2026-09-29 10:00,2026-09-30 18:00,R-77",
    ).encode("utf-8-sig"))
    listed = tmp_path / "cases.json"
    listed.write_text(json.dumps([{
        "platform": "115卡盟", "order": "J-1", "product": "永久话费", "amount": 99.5,
        "channel": "bank_card", "reason": "false_promise", "paid_at": "2026-09-01T08:00+08:00",
    }], ensure_ascii=False), encoding="utf-8")

    assert cli.json("import", str(bom)) == {"imported": 2, "refs": ["RF-2026-0001", "RF-2026-0002"]}
    assert cli.json("import", str(gb)) == {"imported": 1, "refs": ["RF-2026-0003"]}
    assert cli.json("import", str(english)) == {"imported": 1, "refs": ["RF-2026-0004"]}
    assert cli.json("import", str(listed)) == {"imported": 1, "refs": ["RF-2026-0005"]}

    cases = _by_order(cases_of(cli("export", "--format", "json").stdout))
    assert sorted(cases) == ["E-1", "G-1", "J-1", "U-1", "U-2"]
    for order in ("U-1", "U-2", "G-1"):  # the Chinese headers, labels and text came through
        case = cases[order]
        assert (case["platform"], case["product"]) == ("115卡盟", "王者荣耀点券"), case
        assert (case["amount"], case["currency"]) == ("128.00", "CNY")
        assert (case["channel"], case["reason"]) == ("alipay", "not_as_described")
        assert case["paid_at"] == "2026-09-29T10:00:00+08:00"
        assert case["stage"] == "draft"

    # a submitted_at column: the case starts as submitted, with its review deadline
    submitted = cases["E-1"]
    assert (submitted["stage"], submitted["refund_no"]) == ("submitted", "R-77")
    assert [(d["kind"], d["due_at"], d["status"]) for d in submitted["deadlines"]] == [
        ("review", "2026-10-11T00:00:00+08:00", "open")]
    assert [(e["kind"], e["at"]) for e in submitted["events"]] == [
        ("created", "2026-10-05T10:00:00+08:00"), ("submitted", "2026-09-30T18:00:00+08:00")]

    assert (cases["J-1"]["amount"], cases["J-1"]["channel"]) == ("99.50", "bank_card")


def test_a_file_with_bad_rows_imports_nothing_and_names_every_bad_row(
    cli: Any, tmp_path: Path
) -> None:
    good = "115卡盟,B-{n},点卡,50,alipay,platform_fault,2026-09-28 10:00"
    sheet = tmp_path / "bad.csv"
    sheet.write_bytes(_sheet(
        "platform,order,product,amount,channel,reason,paid_at",
        good.format(n=2),                                              # line 2
        "115卡盟,B-3,点卡,12.345,alipay,platform_fault,2026-09-28 10:00",  # line 3: amount
        good.format(n=4),                                              # line 4
        "115卡盟,B-5,点卡,50,alipay,bored,2026-09-28 10:00",            # line 5: reason
        good.format(n=6),                                              # line 6
    ).encode("utf-8-sig"))

    result = cli("import", str(sheet), check=False)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        "error: 2 bad rows; nothing was imported:",
        'line 3: the amount "12.345" has more than two decimals; give it to the cent',
        'line 5: unknown reason "bored"; choose one of not_activated|not_as_described|'
        "duplicate_payment|platform_fault|platform_gone|false_promise|mistaken_purchase|"
        "partly_used|other",
    ]
    assert cli.json("case", "list") == []


def test_excel_dates_without_leading_zeros_are_read(cli: Any, tmp_path: Path) -> None:
    sheet = tmp_path / "excel-dates.csv"
    sheet.write_bytes(_sheet(
        ZH_HEADER, "115卡盟,X-1,点卡,128.00,支付宝,与描述不符,2026/9/29 10:00",
    ).encode("utf-8-sig"))
    result = cli("import", str(sheet), "--json", check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["refs"] == ["RF-2026-0001"]


def test_export_then_import_into_an_empty_home_gives_back_the_same_cases(
    cli: Any, home: Path, tmp_path: Path
) -> None:
    # two cases: one submitted with a refund number, a ticket and evidence; one draft with
    # a merchant, an assignee and its own review rule
    first = cli.json(*add_args("O-7001"))["ref"]
    cli("case", "event", first, "submitted", "--at", "2026-09-30 18:00", "--refund-no", "R1",
        "--ticket", "T-1")
    shot = tmp_path / "payment.png"
    shot.write_bytes(b"alipay record 128.00")
    sha = cli.json("evidence", "add", first, str(shot), "--kind", "purchase")["sha256"]
    second = cli.json(*add_args("O-7002", "59.90", "2026-10-04T21:30+08:00",
                                "--merchant", "星辰小店", "--assignee", "王五",
                                "--rule", "review=5 working days"))["ref"]
    original = {ref: cli.json("case", "show", ref) for ref in (first, second)}
    assert original[first]["evidence"][0]["sha256"] == sha
    assert len(original[first]["events"]) == 3

    as_json, as_csv = tmp_path / "f.json", tmp_path / "f.csv"
    assert "exported 2 cases" in cli("export", "--format", "json", "-o", str(as_json)).stderr
    cli("export", "--format", "csv", "-o", str(as_csv))
    exported = cases_of(as_json.read_text(encoding="utf-8"))
    assert [c["ref"] for c in exported] == [first, second]
    assert as_csv.read_text(encoding="utf-8").startswith("\ufeffref,stage,platform,order,")

    # JSON into an empty home: every case exactly as it was (refs, stage, deadlines, events
    # with their hashes, evidence references)
    other = Cli(tmp_path / "other-home", NOW)
    assert other.json("import", str(as_json)) == {"imported": 2, "refs": [first, second]}
    for ref in (first, second):
        assert other.json("case", "show", ref) == original[ref]
    # the timeline chain is intact there; the evidence file itself was not exported, and
    # verify says so (exit 6), naming only the missing file
    checked = other("case", "verify", first, "--json", check=False)
    assert checked.returncode == 6, checked.stderr
    report = json.loads(checked.stdout)
    assert (report["ok"], report["events"], report["files"]) == (False, 3, 1)
    assert report["problems"] == [f'evidence file "payment.png" ({sha[:12]}…) is missing']
    assert other.json("case", "verify", second)["ok"] is True

    # the same export again into that home: refused, nothing changed
    again = other("import", str(as_json), check=False)
    refused(again, 5, f"{first} already exists")
    assert cases_of(other("export", "--format", "json").stdout) == exported

    # CSV into another empty home: the same cases; with the evidence folder copied over,
    # verify finds everything intact
    third_home = tmp_path / "third-home"
    third = Cli(third_home, NOW)
    assert third.json("import", str(as_csv)) == {"imported": 2, "refs": [first, second]}
    assert cases_of(third("export", "--format", "json").stdout) == exported
    shutil.copytree(home / "evidence", third_home / "evidence")
    intact = third("case", "verify", first)
    assert f"{first} is intact: 3 events chain correctly, 1 evidence files" in intact.stdout
