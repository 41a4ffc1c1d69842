"""The user's province on a case: named as the province table names it, changed on the
timeline, and chosen over the REFUNDFLOW_PROVINCE default, with --province over both."""

from __future__ import annotations

from pathlib import Path

import pytest

from cases import services
from cases.i18n import InvalidInput
from cases.integrity import verify
from cases.ports import FixedClock
from cases.provinces import ProvinceTable
from cases.records import case_record, restore
from cases.vocabulary import EventKind
from tests.unit.fakes import FakeDeps
from tests.unit.test_services import T, new_case


@pytest.fixture
def deps() -> FakeDeps:
    return FakeDeps(FixedClock(T("2026-10-20T10:00:00+08:00")))


@pytest.mark.parametrize("typed", ["江苏", "江苏省", " Jiangsu ", "JIANGSU"])
def test_a_new_case_keeps_the_tables_own_name(deps: FakeDeps, typed: str) -> None:
    case = services.add_case(deps, new_case(province=typed))
    assert case.province == "江苏"
    assert case.events[0].data["province"] == "江苏"  # on the created event, in its hash
    assert services.get_case(deps, case.ref).province == "江苏"


def test_no_province_is_none_and_leaves_the_created_event_as_before(deps: FakeDeps) -> None:
    case = services.add_case(deps, new_case(province="  "))
    assert case.province is None and "province" not in case.events[0].data


def test_an_unknown_province_is_refused_with_the_nearest_names_and_where_to_see_them(
    deps: FakeDeps,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.add_case(deps, new_case(province="火星"))
    en, zh = refused.value.render("en"), refused.value.render("zh")
    assert "'火星'" in en and "`refundflow provinces`" in en and "did you mean" not in en
    assert "“火星”" in zh and "refundflow provinces" in zh
    with pytest.raises(InvalidInput, match=r"did you mean Jiangsu\?"):
        services.add_case(deps, new_case(province="Jiangsuu"))
    assert "\n" not in en and "\n" not in zh
    assert deps.unit.commits == 0


def test_changing_the_province_goes_on_the_hash_chained_timeline(deps: FakeDeps) -> None:
    ref = services.add_case(deps, new_case(province="上海")).ref
    case = services.set_province(deps, ref, "zhejiang", actor="alice")
    last = case.events[-1]
    assert case.province == "浙江"
    assert (last.kind, last.data, last.actor) == (
        EventKind.PROVINCE_CHANGED, {"province": "浙江", "was": "上海"}, "alice")
    assert last.prev_hash == case.events[-2].hash and case.head_hash == last.hash
    assert verify(services.get_case(deps, ref), deps.files).ok

    commits = deps.unit.commits
    again = services.set_province(deps, ref, "浙江省")  # the same province: nothing to record
    assert deps.unit.commits == commits and again.event_count == case.event_count

    cleared = services.set_province(deps, ref, "")
    assert cleared.province is None and cleared.events[-1].data == {
        "province": None, "was": "浙江"}
    with pytest.raises(InvalidInput, match="'Atlantis' is not a province"):
        services.set_province(deps, ref, "Atlantis")
    assert services.get_case(deps, ref).province is None


def test_the_province_survives_export_and_import(deps: FakeDeps) -> None:
    case = services.add_case(deps, new_case(province="湖南"))
    assert case_record(case)["province"] == "湖南"
    assert restore(case_record(case)).province == "湖南"
    old = case_record(services.add_case(deps, new_case(order_no="B")))
    del old["province"]  # an export written before cases had a province
    assert restore(old).province is None


def test_given_over_stored_over_default(tmp_path: Path) -> None:
    table = ProvinceTable.load()
    assert table.resolve("上海", "江苏", "浙江") == table.find("上海")
    assert table.resolve(None, "江苏", "浙江") == table.find("江苏")
    assert table.resolve("", None, "Zhejiang") == table.find("浙江")
    assert table.resolve(None, None, None) is None
    with pytest.raises(InvalidInput, match="^bad setting REFUNDFLOW_PROVINCE: 'Narnia' is not"):
        table.resolve(None, None, "Narnia")
    with pytest.raises(InvalidInput, match="^the case's province: 'Narnia' is not"):
        table.resolve(None, "Narnia", "江苏")
    with pytest.raises(InvalidInput, match="^'Narnia' is not a province of mainland China"):
        table.resolve("Narnia", "江苏", "江苏")


def test_a_place_added_in_the_home_is_accepted(deps: FakeDeps, tmp_path: Path) -> None:
    override = tmp_path / "provinces.toml"
    override.write_text('["香港"]\nen = "Hong Kong"\naliases = ["港"]\n', encoding="utf-8")
    deps.provinces = ProvinceTable.load(override)
    assert services.add_case(deps, new_case(province="hong kong")).province == "香港"
    assert services.add_case(deps, new_case(province="广东省", order_no="B")).province == "广东"
