"""Durations as data: "24 hours", "3 working days", "7 days", "10 seconds", 3个工作日.

Every deadline in RULES.md is a number the user can change, so durations are parsed from
text (rules file, CLI, a case override) instead of living in code. A duration keeps the unit
it was written in because the unit decides how it is counted: seconds, minutes and hours are
exact elapsed time; days are calendar days and working days follow the State Council's
calendar (see ``cases.deadlines``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from cases.i18n import InvalidInput, Text


class Unit(StrEnum):
    """How a duration is counted; the values are what the store keeps."""

    SECONDS = "seconds"
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WORKING_DAYS = "working_days"


EXACT_UNITS = frozenset({Unit.SECONDS, Unit.MINUTES, Unit.HOURS})
"""Units added to an instant as elapsed time (holidays do not matter)."""

SECONDS_PER_UNIT: dict[Unit, int] = {Unit.SECONDS: 1, Unit.MINUTES: 60, Unit.HOURS: 3600}

_LIMIT: dict[Unit, int] = {
    unit: 100 * 366 * 86400 // SECONDS_PER_UNIT.get(unit, 86400) for unit in Unit
}
"""At most a hundred years: longer is a typo and would make counting walk for ever."""

_ENGLISH: dict[Unit, tuple[str, str]] = {
    Unit.SECONDS: ("second", "seconds"),
    Unit.MINUTES: ("minute", "minutes"),
    Unit.HOURS: ("hour", "hours"),
    Unit.DAYS: ("day", "days"),
    Unit.WORKING_DAYS: ("working day", "working days"),
}
_CHINESE: dict[Unit, str] = {
    Unit.SECONDS: "秒",
    Unit.MINUTES: "分钟",
    Unit.HOURS: "小时",
    Unit.DAYS: "天",
    Unit.WORKING_DAYS: "个工作日",
}

# Spellings accepted after lower-casing and collapsing spaces; "m" is left out on purpose
# (minutes or months?), so "5m" is refused with the list of spellings that work.
_SPELLINGS: dict[str, Unit] = {
    **dict.fromkeys(["s", "sec", "secs", "second", "seconds", "秒", "秒钟"], Unit.SECONDS),
    **dict.fromkeys(["min", "mins", "minute", "minutes", "分", "分钟"], Unit.MINUTES),
    **dict.fromkeys(
        ["h", "hr", "hrs", "hour", "hours", "小时", "个小时", "钟头", "个钟头"], Unit.HOURS
    ),
    **dict.fromkeys(
        ["d", "day", "days", "calendar day", "calendar days", "天", "日", "自然日", "个自然日"],
        Unit.DAYS,
    ),
    **dict.fromkeys(
        [
            "working day",
            "working days",
            "workday",
            "workdays",
            "work day",
            "work days",
            "business day",
            "business days",
            "工作日",
            "个工作日",
        ],
        Unit.WORKING_DAYS,
    ),
}

_CN_DIGITS = dict(zip("零一二三四五六七八九", range(10), strict=True)) | {"两": 2}
_SHAPE = re.compile(r"^([+-]?[0-9零一二两三四五六七八九十百.,]+)\s*(\D.*)$")

_HOW_TO_WRITE = Text(
    zh="请写成例如“24小时”“3个工作日”“7天”“10秒”，或英文“24 hours”“3 working days”",
    en='write e.g. "24 hours", "3 working days", "7 days", "10 seconds" or 3个工作日',
)


def _chinese_number(numeral: str) -> int | None:
    """Read 一 to 九百九十九 (e.g. 三, 十五, 二十四, 一百二十); None if it is not one."""
    total, digit = 0, None
    for char in numeral:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char in ("十", "百"):
            total += (1 if digit is None else digit) * (10 if char == "十" else 100)
            digit = None
        else:
            return None
    return total + (digit or 0)


def _refuse(text: str, problem: Text) -> InvalidInput:
    return InvalidInput(
        Text(
            zh="无法识别期限时长“{text}”：{problem}；{how}",
            en='cannot read "{text}" as a duration: {problem}; {how}',
        ).format(text=text, problem=problem, how=_HOW_TO_WRITE)
    )


@dataclass(frozen=True)
class Duration:
    """A whole, positive number of one unit, e.g. 3 working days."""

    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount <= 0:
            raise InvalidInput(
                Text(
                    zh="期限时长必须是正整数，而不是 {amount}；{how}",
                    en="a duration must be a whole number above zero, not {amount}; {how}",
                ).format(amount=repr(self.amount), how=_HOW_TO_WRITE)
            )
        if self.unit not in _LIMIT:
            raise _refuse(f"{self.amount} {self.unit}", Text(zh="不认识单位", en="unknown unit"))
        object.__setattr__(self, "unit", Unit(self.unit))  # "days" read back from a store
        if self.amount > _LIMIT[self.unit]:
            raise InvalidInput(
                Text(
                    zh="{n} 超过一百年，应该是写错了；请检查数字和单位",
                    en="{n} is more than a hundred years, surely a typo; check the number and unit",
                ).format(n=self.describe())
            )

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Read English (singular/plural, any case, "24h", "24 hrs") or Chinese ("3个工作日").

        Raises InvalidInput saying what was wrong and how to write it instead.
        """
        normal = unicodedata.normalize("NFKC", text).strip().lower()
        normal = re.sub(r"\s+", " ", normal)
        match = _SHAPE.match(normal)
        if not normal or match is None:
            raise _refuse(text, Text(zh="缺少数字或单位", en="it needs a number and a unit"))
        number, unit_word = match.group(1).removeprefix("+"), match.group(2).strip()
        unit = _SPELLINGS.get(unit_word)
        if unit is None:
            raise _refuse(
                text, Text(zh="不认识单位“{u}”", en='"{u}" is not a unit').format(u=unit_word)
            )
        if number.isdigit():
            amount: int | None = int(number)
        elif number.startswith("-"):
            raise _refuse(text, Text(zh="不能为负数", en="it is negative"))
        elif "." in number or "," in number:
            raise _refuse(
                text,
                Text(
                    zh="只能用整数，可改用更小的单位",
                    en="use a whole number (or a smaller unit)",
                ),
            )
        else:
            amount = _chinese_number(number)
        if amount is None:
            raise _refuse(text, Text(zh="数字无法识别", en="the number is unreadable"))
        if amount == 0:
            raise _refuse(text, Text(zh="不能为零", en="it is zero"))
        return cls(amount, unit)

    def __str__(self) -> str:
        """Canonical English, e.g. "3 working days", "1 hour"; ``parse`` reads it back."""
        singular, plural = _ENGLISH[self.unit]
        return f"{self.amount} {singular if self.amount == 1 else plural}"

    def describe(self) -> Text:
        """The duration for people: zh "3个工作日", en "3 working days"."""
        return Text(zh="{n}{unit}", en="{text}").format(
            n=self.amount, unit=_CHINESE[self.unit], text=str(self)
        )

    @property
    def exact_seconds(self) -> int | None:
        """Elapsed seconds for seconds/minutes/hours; None for (working) days, which need a
        calendar and a time zone to count."""
        per_unit = SECONDS_PER_UNIT.get(self.unit)
        return None if per_unit is None else self.amount * per_unit
