"""The province stored on a case, end to end: ``case add --province``, ``case set``,
``case show --json``, export and import, and the ladder, letter and dossier using it.

Each test runs the installed ``refundflow`` in a subprocess with its own home and the clock
frozen at 2026-10-05 10:00 Asia/Shanghai.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from tests.conftest import NOW, Cli
from tests.e2e import add_args, cases_of, refused

JIANGSU_CAP = "Jiangsu small-claims cap: ¥60,862.00"
SHANGHAI_CAP = "Shanghai small-claims cap: ¥68,378.50"


def add_in(cli: Any, province: str, order: str = "P-1", amount: str = "128",
           *extra: str) -> dict[str, Any]:
    """``case add … --province P --json``: the new case."""
    args = add_args(order, amount, "2026-09-29T10:00+08:00", "--province", province, *extra)
    return dict(cli.json(*args))


def test_a_province_given_at_add_is_kept_changed_and_cleared(cli: Any) -> None:
    new = add_in(cli, "江苏省")
    ref = new["ref"]
    assert new["province"] == "江苏"  # the table's own name, whatever was typed
    assert new["events"][0]["data"]["province"] == "江苏"
    assert "Province  江苏" in cli("case", "show", ref).stdout

    changed = cli.json("case", "set", ref, "--province", "Shanghai")
    assert changed["province"] == "上海"
    last = changed["events"][-1]
    assert (last["kind"], last["data"]) == ("province_changed",
                                            {"province": "上海", "was": "江苏"})
    assert cli.json("case", "show", ref)["province"] == "上海"
    assert cli.json("case", "verify", ref)["ok"] is True  # the change is on the hash chain

    same = cli.json("case", "set", ref, "--province", "上海市")
    assert same["province"] == "上海" and len(same["events"]) == 2  # nothing to record

    cleared = cli.json("case", "set", ref, "--province", "")
    assert cleared["province"] is None and cleared["events"][-1]["data"]["was"] == "上海"
    assert cli.json(*add_args("P-2"))["province"] is None


def test_an_unknown_province_is_refused_in_one_line_and_nothing_is_stored(cli: Any) -> None:
    message = refused(cli(*add_args("P-1", "128", "2026-09-29T10:00+08:00",
                                    "--province", "火星"), check=False), 2,
                      "'火星'", "refundflow provinces")
    assert message.startswith("'火星' is not a province of mainland China")
    assert cli.json("case", "list") == []
    zh = cli(*add_args("P-1", "128", "2026-09-29T10:00+08:00", "--province", "火星"),
             check=False, REFUNDFLOW_LANG="zh")
    refused(zh, 2, "“火星”不是 refundflow 认识的省级行政区", "refundflow provinces")

    ref = add_in(cli, "浙江")["ref"]
    refused(cli("case", "set", ref, "--province", "Atlantis", check=False), 2, "'Atlantis'")
    refused(cli("case", "set", ref, check=False), 2, "nothing to change", "--province")
    refused(cli("case", "set", "RF-2026-0999", "--province", "浙江", check=False), 3,
            "no case RF-2026-0999")
    assert cli.json("case", "show", ref)["province"] == "浙江"

    names = cli.json("provinces")  # what the message points to
    assert {"上海", "江苏", "浙江"} <= {p["name"] for p in names}
    jiangsu = next(p for p in names if p["en"] == "Jiangsu")
    assert jiangsu["small_claims_cap"]["amount"] == "60862"
    assert jiangsu["small_claims_cap"]["verified"] is False
    assert "Jiangsu" in cli("provinces").stdout


def test_export_and_import_carry_the_province(cli: Any, tmp_path: Path) -> None:
    ref = add_in(cli, "湖南")["ref"]
    cli.json(*add_args("P-2"))
    as_json, as_csv = tmp_path / "all.json", tmp_path / "all.csv"
    cli("export", "-o", str(as_json))
    cli("export", "--format", "csv", "-o", str(as_csv))
    header = as_csv.read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith(",refund_no,province,record")
    assert [c["province"] for c in cases_of(as_json.read_text(encoding="utf-8"))] == ["湖南", None]

    for name, path in (("from-json", as_json), ("from-csv", as_csv)):
        other = Cli(tmp_path / name, NOW)
        other("import", str(path))
        assert other.json("case", "show", ref) == cli.json("case", "show", ref), name

    # a spreadsheet with the Chinese header 省份: new cases with their province
    sheet = tmp_path / "新案件.csv"
    sheet.write_bytes(("平台,订单号,商品,金额,支付方式,退款原因,付款时间,省份\r\n"
                       "115卡盟,N-1,点卡,50,支付宝,与描述不符,2026-09-28 10:00,江苏省\r\n"
                       "115卡盟,N-2,点卡,50,支付宝,与描述不符,2026-09-28 10:00,\r\n")
                      .encode("gb18030"))
    fresh = Cli(tmp_path / "fresh", NOW)
    refs = fresh.json("import", str(sheet))["refs"]
    assert [fresh.json("case", "show", r)["province"] for r in refs] == ["江苏", None]
    bad = tmp_path / "bad.csv"
    bad.write_text("platform,order,product,amount,channel,reason,paid_at,province\n"
                   "115卡盟,N-3,点卡,50,alipay,other,2026-09-28 10:00,Gondor\n", encoding="utf-8")
    rejected = fresh("import", str(bad), check=False)  # a row error, with its line
    assert rejected.returncode == 2 and "line 2: 'Gondor' is not a province" in rejected.stderr
    assert len(fresh.json("case", "list")) == 2  # all rows or none


def test_ladder_letter_and_dossier_use_the_stored_province(cli: Any, tmp_path: Path) -> None:
    ref = add_in(cli, "Jiangsu")["ref"]
    notes = cli.json("ladder", ref)["notes"]
    assert any(JIANGSU_CAP in n for n in notes)  # no --province needed any more
    assert JIANGSU_CAP in cli("ladder", ref).stdout
    overridden = cli.json("ladder", ref, "--province", "上海")["notes"]
    assert any(SHANGHAI_CAP in n for n in overridden)
    assert not any("Jiangsu" in n for n in overridden)

    # without a province of its own a case takes REFUNDFLOW_PROVINCE, and the national range
    # without either
    plain = cli.json(*add_args("P-2"))["ref"]
    assert cli.json("ladder", plain)["notes"] == []
    defaulted = cli.json("ladder", plain, REFUNDFLOW_PROVINCE="上海")["notes"]
    assert any(SHANGHAI_CAP in n for n in defaulted)
    assert any(JIANGSU_CAP in n for n in cli.json("ladder", ref, REFUNDFLOW_PROVINCE="上海")
                                                   ["notes"])
    refused(cli("ladder", plain, check=False, REFUNDFLOW_PROVINCE="Mordor"), 2,
            "REFUNDFLOW_PROVINCE", "'Mordor'")

    # the police rung of a vanished platform: Chongqing's ¥5,000 threshold replaces the range
    gone = add_in(cli, "重庆", "P-3", "4000", "--reason", "platform_gone")["ref"]
    letter = cli("letter", gone, "--rung", "police")
    assert "below Chongqing's fraud 'large amount' threshold of ¥5,000.00" in letter.stderr
    national = cli("letter", gone, "--rung", "police", "--province", "江苏")
    assert "Chongqing" not in national.stderr and "threshold" in national.stderr

    zipped = tmp_path / "d.zip"
    cli("dossier", ref, "-o", str(zipped))
    with zipfile.ZipFile(zipped) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        index = archive.read("index.md").decode("utf-8")
        record = json.loads(archive.read("case.json"))
    assert manifest["province"] == "江苏" and record["province"] == "江苏"
    assert "| 所在省份 | 江苏 |" in index and "江苏小额诉讼上限：¥60,862.00" in index
    cli("dossier", ref, "-o", str(zipped), "--province", "上海", "--lang", "en")
    with zipfile.ZipFile(zipped) as archive:
        assert json.loads(archive.read("manifest.json"))["province"] == "上海"
        assert "| Province | Shanghai |" in archive.read("index.md").decode("utf-8")
