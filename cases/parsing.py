"""Reading what people type: amounts, times, currencies and option values.

Every failure is an :class:`InvalidInput` that says what was wrong and how to write it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cases.i18n import InvalidInput, Text
from cases.vocabulary import Labeled

MAX_AMOUNT = Decimal("100000000")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def parse_amount(text: str, what: str = "amount") -> Decimal:
    """A positive sum of money with at most two decimals: ``128``, ``128.00``, ``¥1,280.5``."""
    typed = unicodedata.normalize("NFKC", str(text)).strip()  # full-width: １２８．００
    cleaned = re.sub(r"[\s,¥元]|^CNY|^RMB", "", typed, flags=re.IGNORECASE)
    try:
        # Digits with an optional point only: Decimal alone would also take "1e3", "1_000",
        # "NaN" and "Infinity", none of which is how a sum of money is written.
        if not _PLAIN_NUMBER.fullmatch(cleaned):
            raise InvalidOperation
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput(
            Text(
                "金额“{text}”无法识别；请写成 128.00 这样的数字",
                'cannot read the {what} "{text}"; write a number such as 128.00',
                {"text": text, "what": what},
            )
        ) from None
    if value <= 0:
        raise InvalidInput(
            Text(
                "金额必须大于 0（收到 {text}）",
                "the {what} must be above 0 (got {text})",
                {"text": text, "what": what},
            )
        )
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(
            Text(
                "金额“{text}”超过两位小数；请精确到分",
                'the {what} "{text}" has more than two decimals; give it to the cent',
                {"text": text, "what": what},
            )
        )
    if value >= MAX_AMOUNT:
        raise InvalidInput(
            Text(
                "金额 {text} 过大，请检查",
                "the {what} {text} is implausibly large; check it",
                {"text": text, "what": what},
            )
        )
    return value.quantize(Decimal("0.01"))


def parse_currency(text: str) -> str:
    code = text.strip().upper()
    if code in ("RMB", "¥", "元"):
        code = "CNY"
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise InvalidInput(
            Text(
                "币种“{text}”无效；请使用三个字母的代码，如 CNY",
                'unknown currency "{text}"; use a three-letter code such as CNY',
                {"text": text},
            )
        )
    return code


def parse_zone(text: str) -> ZoneInfo:
    try:
        return ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            Text(
                "时区“{text}”无效；请写成 Asia/Shanghai 这样的 IANA 名称",
                'unknown time zone "{text}"; use an IANA name such as Asia/Shanghai',
                {"text": text},
            )
        ) from None


def parse_time(text: str, zone: ZoneInfo) -> tuple[datetime, bool]:
    """An ISO 8601 time; without an offset it is read in ``zone``.

    Returns the aware time and whether the zone was assumed (the output says so).
    A date alone means the start of that day.
    """
    raw = _pad(_chinese_date(text).replace("/", "-").replace("Z", "+00:00"))
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            value = datetime.combine(date.fromisoformat(raw), time(0, 0))
        else:
            value = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            Text(
                "时间“{text}”无法识别；请写成 2026-09-30 10:00、2026年9月30日 10:00 "
                "或 2026-09-30T10:00+08:00",
                'cannot read the time "{text}"; write e.g. 2026-09-30T10:00+08:00 '
                "or 2026-09-30 10:00",
                {"text": text},
            )
        ) from None
    if value.tzinfo is None:
        return value.replace(tzinfo=zone), True
    return value, False


_CHINESE_DAY = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?\s*")
_CHINESE_HOUR = re.compile(r"(\d{1,2})\s*[点时]\s*(?:(\d{1,2})\s*分?)?$")
_DOTTED_DAY = re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})")


def _chinese_date(text: str) -> str:
    """Times as Chinese users type them: full-width digits and colons from an input method
    (``２０２６－０９－３０ １０：００``), ``2026年9月30日 10:00``, ``2026年9月30日10点30分``,
    ``2026.9.30 10:00``; written the ISO way, with ``-`` and ``:``."""
    raw = unicodedata.normalize("NFKC", text).strip()
    raw = _DOTTED_DAY.sub(r"\1-\2-\3", raw)
    day = _CHINESE_DAY.match(raw)
    if day is None:
        return raw
    rest = raw[day.end() :]
    hour = _CHINESE_HOUR.fullmatch(rest)
    if hour is not None:
        rest = f"{int(hour[1]):02d}:{int(hour[2] or 0):02d}"
    head = f"{day[1]}-{day[2]}-{day[3]}"
    return f"{head} {rest}" if rest else head


def _pad(raw: str) -> str:
    """Excel writes "2026/9/29 9:05": zero-pad month, day and hour for ISO 8601."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:([ T])(\d{1,2})(:.*))?", raw)
    if match is None:
        return raw
    year, month, day, sep, hour, rest = match.groups()
    head = f"{year}-{int(month):02d}-{int(day):02d}"
    return head if sep is None else f"{head}{sep}{int(hour):02d}{rest}"


def parse_choice(enum: type[Labeled], text: str, option: str) -> Labeled:
    try:
        return enum.parse(text)
    except ValueError:
        choices = "|".join(member.value for member in enum)
        named = "、".join(f"{member.value}（{member.label('zh')}）" for member in enum)
        raise InvalidInput(
            Text(
                "{option} 的取值“{text}”无效；可选：{named}",
                'unknown {option} "{text}"; choose one of {choices}',
                {"option": option, "text": text, "choices": choices, "named": named},
            )
        ) from None


def required(text: str | None, option: str) -> str:
    if text is None or not str(text).strip():
        raise InvalidInput(
            Text("缺少 {option}", "{option} is missing; give a value", {"option": option})
        )
    return str(text).strip()
