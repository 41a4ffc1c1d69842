"""Reading what people type: amounts, times, currencies and option values.

Every failure is an :class:`InvalidInput` that says what was wrong and how to write it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
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


def parse_time(text: str, zone: ZoneInfo, now: datetime | None = None) -> tuple[datetime, bool]:
    """An ISO 8601 time; without an offset it is read in ``zone``.

    Returns the aware time and whether the zone was assumed (the output says so).
    A date alone means the start of that day. Given ``now`` (what a person types at the
    keyboard, not a file), days can be named from today: ``昨天 18:00``, ``前天下午3点``,
    ``yesterday 18:00``, ``9月30日 10:00`` (the last 30 September that is not after today),
    ``18:00`` (today).
    """
    today = None if now is None else now.astimezone(zone).date()
    raw = _pad(_chinese_date(text, today).replace("/", "-").replace("Z", "+00:00"))
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
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?\s*")
_DAYS_BACK = {"今天": 0, "今日": 0, "today": 0, "昨天": 1, "昨日": 1, "yesterday": 1, "前天": 2}
_NAMED_DAY = re.compile(r"^(今天|今日|昨天|昨日|前天|today|yesterday)\s*", re.IGNORECASE)
_CLOCK_ONLY = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
_HALF_DAY = re.compile(r"^(凌晨|早上|上午|中午|下午|傍晚|晚上)\s*")
_CHINESE_HOUR = re.compile(r"(\d{1,2})\s*[点时:]\s*(?:(\d{1,2})\s*分?)?$")
_DOTTED_DAY = re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})")
_ISO_DAY_SPOKEN_HOUR = re.compile(  # 2026-09-30 下午3点
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?=\s*(?:凌晨|早上|上午|中午|下午|傍晚|晚上|\d{1,2}\s*[点时]))"
)


def _chinese_date(text: str, today: date | None = None) -> str:
    """Times as Chinese users type them: full-width digits and colons from an input method
    (``２０２６－０９－３０ １０：００``), ``2026年9月30日 10:00``, ``2026年9月30日10点30分``,
    ``2026.9.30 下午3点``; with ``today``, also 昨天/前天/今天 and a month and day without
    the year; written the ISO way, with ``-`` and ``:``."""
    raw = unicodedata.normalize("NFKC", text).strip()
    raw = _DOTTED_DAY.sub(r"\1-\2-\3", raw)
    # ``day``: the match of the date part; ``head``: that date written the ISO way.
    if (day := _CHINESE_DAY.match(raw) or _ISO_DAY_SPOKEN_HOUR.match(raw)) is not None:
        head = f"{day[1]}-{day[2]}-{day[3]}"
    elif today is None:
        return raw
    elif (day := _NAMED_DAY.match(raw)) is not None:
        head = (today - timedelta(days=_DAYS_BACK[day[1].lower()])).isoformat()
    elif (day := _MONTH_DAY.match(raw)) is not None:
        month, number = int(day[1]), int(day[2])
        year = today.year if (month, number) <= (today.month, today.day) else today.year - 1
        head = f"{year}-{month}-{number}"
    elif _CLOCK_ONLY.fullmatch(raw):
        return f"{today.isoformat()} {raw}"
    else:
        return raw
    rest = _clock(raw[day.end() :].strip())
    return f"{head} {rest}" if rest else head


def _clock(rest: str) -> str:
    """``10点30分``, ``9时5分``, ``下午3点``, ``晚上8:30`` as ``HH:MM``; anything else as typed."""
    half = _HALF_DAY.match(rest)
    spoken = rest[half.end() :] if half else rest
    hour = _CHINESE_HOUR.fullmatch(spoken)
    if hour is None or (half is None and ":" in spoken):
        return rest  # "10:00", "10:00:05+08:00": ISO already
    value = int(hour[1])
    if half is not None and half[1] in ("傍晚", "晚上") and value == 12:
        return rest  # 晚上12点 is midnight: which day's is not clear, so it is not guessed
    if half is not None and half[1] == "凌晨" and value == 12:
        value = 0
    elif half is not None and half[1] in ("下午", "傍晚", "晚上") and value < 12:
        value += 12
    elif half is not None and half[1] == "中午" and value < 6:
        value += 12  # 中午1点 is 13:00
    return f"{value:02d}:{int(hour[2] or 0):02d}"


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
