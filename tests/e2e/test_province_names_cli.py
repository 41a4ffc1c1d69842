"""Every province by any of its names, end to end: an import names the line of a bad
province, a province without figures is stored and the ladder, letter and dossier say its
figures are not known, and ``refundflow provinces`` lists all 31.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from tests.e2e import add_args

HEADER = "platform,order,product,amount,channel,reason,paid_at,province\n"


def row(order: str, province: str) -> str:
    return f"115卡盟,{order},点卡,50,alipay,other,2026-09-28 10:00,{province}\n"


def test_a_bad_province_in_an_import_is_reported_on_its_line(cli: Any, tmp_path: Path) -> None:
    sheet = tmp_path / "cases.csv"
    sheet.write_text(HEADER + row("N-1", "广东省") + row("N-2", "Guangdon") + row("N-3", "粤"),
                     encoding="utf-8")
    result = cli("import", str(sheet), check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "error: 1 bad rows; nothing was imported:",
        "line 3: 'Guangdon' is not a province of mainland China that refundflow knows (did "
        "you mean Guangdong?); `refundflow provinces` lists the names it accepts, and "
        "$REFUNDFLOW_HOME/provinces.toml can add others.",
    ]
    assert cli.json("case", "list") == []  # all rows or none

    zh = cli("import", str(sheet), check=False, REFUNDFLOW_LANG="zh")
    assert "第 3 行：“Guangdon”不是 refundflow 认识的省级行政区（是不是“广东”？）" in zh.stderr

    items = tmp_path / "cases.json"
    items.write_text(json.dumps([
        {"平台": "115卡盟", "订单号": "J-1", "商品": "点卡", "金额": "50", "支付方式": "alipay",
         "退款原因": "other", "付款时间": "2026-09-28 10:00", "省份": name}
        for name in ("Mars", "Beijing")], ensure_ascii=False), encoding="utf-8")
    assert "item 1: 'Mars' is not a province" in cli("import", str(items), check=False).stderr

    sheet.write_text(HEADER + row("N-1", "广东省") + row("N-2", "Guangdong") + row("N-3", "粤"),
                     encoding="utf-8")
    refs = cli.json("import", str(sheet))["refs"]
    assert [cli.json("case", "show", r)["province"] for r in refs] == ["广东", "广东", "广东"]


def test_a_province_without_figures_is_stored_and_said_to_be_not_known(
    cli: Any, tmp_path: Path,
) -> None:
    gone = ("--reason", "platform_gone")
    ref = cli.json(*add_args("G-1", "4000", "2026-09-29T10:00+08:00", "--province",
                             "Inner Mongolia", *gone))["ref"]
    assert cli.json("case", "show", ref)["province"] == "内蒙古"

    notes = cli.json("ladder", ref)["notes"]
    assert [n.split(":")[0] for n in notes] == [
        "Inner Mongolia's fraud 'large amount' threshold is not known",
        "Inner Mongolia's small-claims cap is not known"]
    assert all("$REFUNDFLOW_HOME/provinces.toml" in n for n in notes)
    police = cli("letter", ref, "--rung", "police").stderr
    assert "may be below your province's fraud 'large amount' threshold (set between ¥3,000 "\
           "and ¥10,000" in police
    assert "Inner Mongolia's own threshold is not known" in police
    zh = cli("ladder", ref, REFUNDFLOW_LANG="zh").stdout
    assert "内蒙古的小额诉讼上限未知" in zh

    zipped = tmp_path / "d.zip"
    cli("dossier", ref, "-o", str(zipped))
    with zipfile.ZipFile(zipped) as archive:
        index = archive.read("index.md").decode("utf-8")
    assert "| 所在省份 | 内蒙古 |" in index and "内蒙古诈骗罪“数额较大”的标准未知" in index


def test_provinces_lists_all_31_with_their_names_and_what_is_not_known(cli: Any) -> None:
    rows = cli.json("provinces")
    assert len(rows) == 31
    guangdong = next(r for r in rows if r["en"] == "Guangdong")
    assert guangdong["full"] == "广东省" and "粤" in guangdong["names"]
    assert guangdong["fraud_threshold"] is None and len(guangdong["not_known"]) == 2
    jiangsu = next(r for r in rows if r["name"] == "江苏")
    assert jiangsu["small_claims_cap"]["amount"] == "60862" and len(jiangsu["not_known"]) == 1
    text = cli("provinces").stdout
    assert "Guangdong" in text and "not known †" in text
    assert "$REFUNDFLOW_HOME/provinces.toml" in text
