"""Every provincial-level division of mainland China is a known name, by any of its usual
names, and one without researched figures says so (in Chinese and English) and falls back
to the national rule, in the ladder, the letter's traps, the notes and the dossier."""

from __future__ import annotations

import tomllib
from collections import Counter
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from cases import ladder
from cases.i18n import InvalidInput
from cases.provinces import BUILT_IN, ProvinceTable, _key
from cases.vocabulary import Reason
from notifications.guide import (
    figure_unknown,
    province_notes,
    province_summary,
    rung_traps,
)
from tests.unit.test_letters import build

NOW = datetime.fromisoformat("2026-10-05T10:00:00+08:00")
TABLE = ProvinceTable.load()

COMMON = {  # what people type → the name a case stores
    "广东": "广东", "广东省": "广东", "Guangdong": "广东", "guangdong province": "广东",
    "粤": "广东", "北京": "北京", "北京市": "北京", "Beijing": "北京", "京": "北京",
    "上海市": "上海", "沪": "上海", "天津市": "天津", "重庆市": "重庆", "渝": "重庆",
    "内蒙古": "内蒙古", "内蒙古自治区": "内蒙古", "内蒙": "内蒙古", "Inner Mongolia": "内蒙古",
    "inner-mongolia": "内蒙古", "Nei Mongol": "内蒙古",
    "广西": "广西", "广西壮族自治区": "广西", "广西自治区": "广西",
    "Guangxi Zhuang Autonomous Region": "广西",
    "西藏自治区": "西藏", "Tibet": "西藏", "Xizang": "西藏",
    "宁夏回族自治区": "宁夏", "Ningxia": "宁夏", "新疆维吾尔自治区": "新疆",
    "Xinjiang Uygur": "新疆", "黑龙江省": "黑龙江", "HEILONGJIANG": "黑龙江",
    "山西": "山西", "Shanxi": "山西", "晋": "山西", "陕西": "陕西", "Shaanxi": "陕西", "陕": "陕西",
    "海南省": "海南", "琼": "海南", "江苏省": "江苏", " jiangsu ": "江苏", "Ｊｉａｎｇｓｕ": "江苏",
}


def test_the_table_holds_the_22_provinces_5_autonomous_regions_and_4_municipalities() -> None:
    kinds = Counter(p.kind for p in TABLE.provinces.values())
    assert kinds == {"province": 22, "autonomous_region": 5, "municipality": 4}
    assert all(p.full and p.en and p.full.startswith(p.name) for p in TABLE.provinces.values())


@pytest.mark.parametrize(("typed", "name"), COMMON.items())
def test_a_common_short_form_names_one_division(typed: str, name: str) -> None:
    assert TABLE.find(typed).name == name


def test_every_name_of_every_division_finds_that_division_and_no_other() -> None:
    for province in TABLE.provinces.values():
        for name in province.names():
            assert TABLE.find(name) is province, name
            assert TABLE.find(name.upper()) is province, name
    assert TABLE.find("Shanxi") is not TABLE.find("Shaanxi")  # 山西 and 陕西


def test_no_two_divisions_share_a_name_in_the_shipped_file() -> None:
    raw = tomllib.loads(BUILT_IN.read_text(encoding="utf-8"))
    owners: dict[str, set[str]] = {}
    for key, entry in raw.items():
        for name in (key, entry["full"], entry["en"], *entry.get("aliases", [])):
            owners.setdefault(_key(name), set()).add(key)
    shared = {name: keys for name, keys in owners.items() if len(keys) > 1}
    assert shared == {}
    assert len(raw) == 31


def test_a_name_given_to_two_divisions_in_the_home_is_refused(tmp_path: Path) -> None:
    override = tmp_path / "provinces.toml"
    override.write_text('["广西"]\naliases = ["粤"]\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match="'粤' belongs to both '广东' and '广西'"):
        ProvinceTable.load(override)


def test_only_the_five_researched_figures_ship_unchanged() -> None:
    figures = {(p.name, key): (f.amount, f.year, f.verified)
               for p in TABLE.provinces.values()
               for key in ("fraud_threshold", "small_claims_cap")
               if (f := p.figure(key)) is not None}
    assert figures == {
        ("重庆", "fraud_threshold"): (Decimal("5000"), 0, False),
        ("江苏", "small_claims_cap"): (Decimal("60862"), 2024, False),
        ("上海", "small_claims_cap"): (Decimal("68378.50"), 2022, False),
        ("浙江", "small_claims_cap"): (Decimal("54323"), 2022, False),
        ("湖南", "small_claims_cap"): (Decimal("45707"), 2023, False),
    }


def test_the_home_adds_a_figure_and_a_name_under_any_name_of_the_division(
    tmp_path: Path,
) -> None:
    override = tmp_path / "provinces.toml"
    override.write_text(
        '["Guangdong"]\naliases = ["广州所在省"]\n'
        '["广东省".small_claims_cap]\namount = "55000"\nyear = 2026\nsource = "test"\n'
        'verified = true\n', encoding="utf-8")
    table = ProvinceTable.load(override)
    guangdong = table.find("广州所在省")
    assert guangdong.name == "广东" and guangdong.full == "广东省" and "粤" in guangdong.aliases
    cap = guangdong.small_claims_cap
    assert cap is not None and cap.amount == Decimal("55000")
    assert len(table.provinces) == 31 and table.find("粤") is guangdong


def test_a_misspelling_is_refused_with_the_nearest_divisions() -> None:
    with pytest.raises(InvalidInput) as refused:
        TABLE.find("Guangdon")
    assert "(did you mean Guangdong?)" in refused.value.render("en")
    assert "（是不是“广东”？）" in refused.value.render("zh")
    assert TABLE.lookup("") is None and TABLE.lookup("省") is None


# --- a division without figures ----------------------------------------------------------


def test_a_division_without_figures_says_not_known_in_both_languages() -> None:
    guangdong = TABLE.find("广东")
    notes = province_notes(guangdong, NOW)
    assert [n.render("en").split(":")[0] for n in notes] == [
        "Guangdong's fraud 'large amount' threshold is not known",
        "Guangdong's small-claims cap is not known"]
    zh = [n.render("zh") for n in notes]
    assert zh[0].startswith("广东诈骗罪“数额较大”的标准未知") and "¥3,000 至 ¥10,000" in zh[0]
    assert zh[1].startswith("广东的小额诉讼上限未知") and "第一百六十五条" in zh[1]
    for note, key in zip(notes, ("fraud_threshold", "small_claims_cap"), strict=True):
        for lang in ("zh", "en"):
            assert "$REFUNDFLOW_HOME/provinces.toml" in note.render(lang)
            assert f'["广东".{key}]' in note.render(lang)
    assert "national range of ¥3,000 to ¥10,000 applies" in notes[0].render("en")
    summary = province_summary(guangdong)
    assert summary.render("en") == (
        "Guangdong: fraud 'large amount' threshold not known (the national range ¥3,000 to "
        "¥10,000 applies); small-claims cap not known (ask the local court)")
    assert summary.render("zh").startswith("广东（广东省）：诈骗罪“数额较大”标准未知")


def test_a_known_figure_and_a_missing_one_of_the_same_province() -> None:
    jiangsu = province_notes(TABLE.find("江苏"), NOW)
    assert jiangsu[0] == figure_unknown(TABLE.find("江苏"), "fraud_threshold")
    assert jiangsu[1].render("en").startswith("Jiangsu small-claims cap: ¥60,862.00")
    assert province_notes(None, NOW) == []


def test_the_police_trap_falls_back_to_the_national_range_and_says_why() -> None:
    case = build(Reason.PLATFORM_GONE, amount="4000.00")
    national = rung_traps(case, "police", NOW)
    guangdong = rung_traps(case, "police", NOW, province=TABLE.find("广东"))
    assert [t.key for t in guangdong] == [t.key for t in national] == ["police_threshold"]
    for lang in ("zh", "en"):
        text = guangdong[0].text.render(lang)
        assert text.startswith(national[0].text.render(lang))  # the national wording, whole
        assert '["广东".fraud_threshold]' in text
    assert "Guangdong's own threshold is not known" in guangdong[0].text.render("en")
    assert "广东的具体标准未知" in guangdong[0].text.render("zh")
    chongqing = rung_traps(case, "police", NOW, province=TABLE.find("重庆"))
    assert "below Chongqing's fraud 'large amount' threshold" in chongqing[0].text.render("en")


def test_the_court_trap_says_the_cap_is_not_known_for_the_province() -> None:
    case = build(amount="4000.00")
    traps = {t.key: t for t in rung_traps(case, "court", NOW, province=TABLE.find("Beijing"))}
    cap = traps["small_claims_cap"].text
    assert cap == figure_unknown(TABLE.find("北京"), "small_claims_cap")
    assert cap.render("en").startswith("Beijing's small-claims cap is not known")
    assert cap.render("zh").startswith("北京的小额诉讼上限未知")
    plain = {t.key: t for t in rung_traps(case, "court", NOW)}  # no province: as before
    assert "your province" in plain["small_claims_cap"].text.render("en")
    assert set(traps) == set(plain)
    limits = ladder.TrapLimits()
    assert (limits.fraud_low, limits.fraud_high) == (Decimal(3000), Decimal(10000))
