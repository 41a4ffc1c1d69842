"""What people type, read the way they meant it: times and amounts as a Chinese input method
writes them, and channels or reasons by the names people use."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from cases.i18n import InvalidInput
from cases.parsing import parse_amount, parse_choice, parse_time
from cases.vocabulary import Channel, EvidenceKind, Reason

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("2026-09-30 10:00", (2026, 9, 30, 10, 0)),
        ("2026/9/29 9:05", (2026, 9, 29, 9, 5)),  # Excel
        ("２０２６－０９－３０ １０：００", (2026, 9, 30, 10, 0)),  # full-width input method
        ("2026-09-30 10：00", (2026, 9, 30, 10, 0)),  # a full-width colon alone
        ("2026年9月30日 10:00", (2026, 9, 30, 10, 0)),
        ("2026年9月30日10:00", (2026, 9, 30, 10, 0)),
        ("2026年9月30日 10点", (2026, 9, 30, 10, 0)),
        ("2026年9月30日10点30分", (2026, 9, 30, 10, 30)),
        ("2026年9月30号 9时5分", (2026, 9, 30, 9, 5)),
        ("2026年9月30日", (2026, 9, 30, 0, 0)),
        ("2026.9.30 10:00", (2026, 9, 30, 10, 0)),
        ("2026.09.30", (2026, 9, 30, 0, 0)),
    ],
)
def test_local_times_as_people_type_them(typed: str, meant: tuple[int, ...]) -> None:
    at, assumed = parse_time(typed, SHANGHAI)
    assert at == datetime(*meant, tzinfo=SHANGHAI)
    assert assumed  # no zone typed: the output says which zone was assumed


def test_a_time_with_its_offset_keeps_it() -> None:
    at, assumed = parse_time("2026-09-30T10:00+08:00", ZoneInfo("Europe/Berlin"))
    assert at == datetime(2026, 9, 30, 2, 0, tzinfo=ZoneInfo("UTC")) and not assumed


NOW = datetime(2026, 11, 23, 6, 6, tzinfo=SHANGHAI)  # a Monday morning


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("昨天 18:00", (2026, 11, 22, 18, 0)),
        ("昨天18点", (2026, 11, 22, 18, 0)),
        ("前天下午3点30分", (2026, 11, 21, 15, 30)),
        ("今天 晚上8:30", (2026, 11, 23, 20, 30)),
        ("今天", (2026, 11, 23, 0, 0)),
        ("yesterday 18:00", (2026, 11, 22, 18, 0)),
        ("Today 9:05", (2026, 11, 23, 9, 5)),
        ("18:00", (2026, 11, 23, 18, 0)),  # a time alone: today
        ("9月30日 10:00", (2026, 9, 30, 10, 0)),  # no year: the last 30 September
        ("12月30日", (2025, 12, 30, 0, 0)),  # … which is last year's when this one is ahead
        ("2026年9月30日 中午1点", (2026, 9, 30, 13, 0)),
        ("2026-9-30 下午3点", (2026, 9, 30, 15, 0)),
        ("2026.9.30 上午9点", (2026, 9, 30, 9, 0)),
        ("前天凌晨12点", (2026, 11, 21, 0, 0)),
    ],
)
def test_days_named_from_today_as_people_say_them(typed: str, meant: tuple[int, ...]) -> None:
    at, assumed = parse_time(typed, SHANGHAI, NOW)
    assert at == datetime(*meant, tzinfo=SHANGHAI) and assumed


def test_today_is_the_day_in_the_cases_zone() -> None:
    """At 06:06 in Shanghai it is still the 22nd in Berlin: "yesterday" there is the 21st."""
    berlin = ZoneInfo("Europe/Berlin")
    at, _ = parse_time("昨天 18:00", berlin, NOW)
    assert at == datetime(2026, 11, 21, 18, 0, tzinfo=berlin)


@pytest.mark.parametrize("typed", ["昨天晚上12点", "明天 10:00", "2月30日", "昨天 25点"])
def test_a_named_day_that_is_unclear_or_impossible_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_time(typed, SHANGHAI, NOW)
    assert f"“{typed}”无法识别" in refused.value.render("zh")


@pytest.mark.parametrize("typed", ["昨天 18:00", "9月30日 10:00", "18:00"])
def test_a_file_names_no_day_from_today(typed: str) -> None:
    """An imported file was written on some other day: its times must carry their date."""
    with pytest.raises(InvalidInput):
        parse_time(typed, SHANGHAI)


@pytest.mark.parametrize("typed", ["2026年13月1日", "2026年9月30日 25点", "明天", "9月30日 10:00"])
def test_an_impossible_or_incomplete_time_is_refused_with_examples(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_time(typed, SHANGHAI)
    said = refused.value.render("zh")
    assert f"“{typed}”无法识别" in said and "2026年9月30日 10:00" in said
    assert "2026-09-30 10:00" in refused.value.render("en")


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("128", "128.00"),
        ("１２８．００", "128.00"),
        ("￥128", "128.00"),
        ("¥ 1,280.50", "1280.50"),
        ("128元", "128.00"),
        ("RMB 9.9", "9.90"),
    ],
)
def test_amounts_as_people_type_them(typed: str, amount: str) -> None:
    assert parse_amount(typed) == Decimal(amount)


@pytest.mark.parametrize("typed", ["NaN", "Infinity", "一百", "1e3", "1_000", "12.8.0", "."])
def test_an_amount_that_is_no_number_is_refused_as_unreadable(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_amount(typed)
    assert "无法识别" in refused.value.render("zh")


@pytest.mark.parametrize(
    ("enum", "typed", "member"),
    [
        (Reason, "not_activated", Reason.NOT_ACTIVATED),
        (Reason, "未激活/未使用", Reason.NOT_ACTIVATED),  # the whole label
        (Reason, "未激活", Reason.NOT_ACTIVATED),  # one half of it
        (Reason, "未使用", Reason.NOT_ACTIVATED),
        (Reason, "Unused", Reason.NOT_ACTIVATED),
        (Reason, "金额错误", Reason.DUPLICATE_PAYMENT),
        (Reason, "跑路", Reason.PLATFORM_GONE),
        (Reason, "虚假“永久/终身”承诺", Reason.FALSE_PROMISE),
        (Reason, "虚假承诺", Reason.FALSE_PROMISE),
        (Reason, "其他", Reason.OTHER),
        (Channel, "微信", Channel.WECHAT),
        (Channel, "微信支付", Channel.WECHAT),
        (Channel, "借记卡", Channel.BANK_CARD),
        (EvidenceKind, "其他", EvidenceKind.OTHER),
    ],
)
def test_values_by_the_names_people_use(enum: type, typed: str, member: object) -> None:
    assert parse_choice(enum, typed, "--x") is member


@pytest.mark.parametrize("typed", ["永久", "终身”承诺", "支付"])
def test_a_fragment_that_names_nothing_by_itself_is_refused(typed: str) -> None:
    """The slash inside a quoted label is not a list of names; half a word is no name."""
    with pytest.raises(InvalidInput):
        parse_choice(Reason if typed != "支付" else Channel, typed, "--reason")


def test_a_refused_value_lists_the_choices_with_their_chinese_names() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_choice(Channel, "paypal", "--channel")
    assert refused.value.render("zh") == (
        "--channel 的取值“paypal”无效；可选：alipay（支付宝）、wechat（微信支付）、"
        "bank_card（银行卡）、credit_card（信用卡）、other（其他）"
    )
    assert refused.value.render("en") == (
        'unknown --channel "paypal"; choose one of alipay|wechat|bank_card|credit_card|other'
    )
