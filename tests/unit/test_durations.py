"""Durations as users type them: English or Chinese, and clear refusals."""

from __future__ import annotations

import pytest

from cases.durations import Duration, Unit
from cases.i18n import InvalidInput


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("24 hours", 24, Unit.HOURS),
        ("1 hour", 1, Unit.HOURS),
        ("24h", 24, Unit.HOURS),
        ("24 hrs", 24, Unit.HOURS),
        ("  24   HOURS ", 24, Unit.HOURS),
        ("3 working days", 3, Unit.WORKING_DAYS),
        ("1 Working Day", 1, Unit.WORKING_DAYS),
        ("3working days", 3, Unit.WORKING_DAYS),
        ("3 workdays", 3, Unit.WORKING_DAYS),
        ("3 business days", 3, Unit.WORKING_DAYS),
        ("7 days", 7, Unit.DAYS),
        ("1 day", 1, Unit.DAYS),
        ("120 days", 120, Unit.DAYS),
        ("10 seconds", 10, Unit.SECONDS),
        ("5 minutes", 5, Unit.MINUTES),
        ("5 min", 5, Unit.MINUTES),
        ("3个工作日", 3, Unit.WORKING_DAYS),
        ("3工作日", 3, Unit.WORKING_DAYS),
        ("3 个工作日", 3, Unit.WORKING_DAYS),
        ("45个工作日", 45, Unit.WORKING_DAYS),
        ("24小时", 24, Unit.HOURS),
        ("7天", 7, Unit.DAYS),
        ("7日", 7, Unit.DAYS),
        ("10秒", 10, Unit.SECONDS),
        ("5分钟", 5, Unit.MINUTES),
        ("三个工作日", 3, Unit.WORKING_DAYS),
        ("二十四小时", 24, Unit.HOURS),
        ("十五个工作日", 15, Unit.WORKING_DAYS),
        ("３个工作日", 3, Unit.WORKING_DAYS),  # full-width digit from a Chinese IME
    ],
)
def test_parse_reads_english_and_chinese(text: str, amount: int, unit: Unit) -> None:
    assert Duration.parse(text) == Duration(amount, unit)


@pytest.mark.parametrize(
    ("duration", "english", "chinese"),
    [
        (Duration(3, Unit.WORKING_DAYS), "3 working days", "3个工作日"),
        (Duration(1, Unit.WORKING_DAYS), "1 working day", "1个工作日"),
        (Duration(24, Unit.HOURS), "24 hours", "24小时"),
        (Duration(1, Unit.HOURS), "1 hour", "1小时"),
        (Duration(7, Unit.DAYS), "7 days", "7天"),
        (Duration(10, Unit.SECONDS), "10 seconds", "10秒"),
        (Duration(5, Unit.MINUTES), "5 minutes", "5分钟"),
    ],
)
def test_written_canonically_in_both_languages(
    duration: Duration, english: str, chinese: str
) -> None:
    assert str(duration) == english
    assert duration.describe().render("en") == english
    assert duration.describe().render("zh") == chinese
    assert Duration.parse(english) == duration
    assert Duration.parse(chinese) == duration


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("0 days", "zero"),
        ("-3 days", "negative"),
        ("1.5 hours", "whole number"),
        ("3 weeks", '"weeks" is not a unit'),
        ("3 workdayz", '"workdayz" is not a unit'),
        ("5m", '"m" is not a unit'),
        ("hours", "needs a number"),
        ("", "needs a number"),
        ("3", "needs a number"),
    ],
)
def test_refusal_says_what_is_wrong_and_how_to_write_it(text: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Duration.parse(text)
    english = caught.value.render("en")
    assert f'cannot read "{text}" as a duration' in english
    assert problem in english
    assert '"3 working days"' in english and "3个工作日" in english
    chinese = caught.value.render("zh")
    assert f"“{text}”" in chinese and "3个工作日" in chinese


def test_zero_in_chinese_is_refused_in_chinese() -> None:
    with pytest.raises(InvalidInput) as caught:
        Duration.parse("0天")
    assert "不能为零" in caught.value.render("zh")


@pytest.mark.parametrize("amount", [0, -1, True])
def test_built_directly_must_be_positive_whole(amount: int) -> None:
    with pytest.raises(InvalidInput):
        Duration(amount, Unit.DAYS)


def test_more_than_a_century_is_a_typo() -> None:
    assert Duration.parse("36000 days").amount == 36000
    with pytest.raises(InvalidInput) as caught:
        Duration.parse("40000 working days")
    assert "hundred years" in caught.value.render("en")


def test_exact_seconds_only_for_clock_units() -> None:
    assert Duration.parse("24 hours").exact_seconds == 86400
    assert Duration.parse("5 minutes").exact_seconds == 300
    assert Duration.parse("3 working days").exact_seconds is None
    assert Duration.parse("7 days").exact_seconds is None
