"""Deadlines as iCalendar (.ics): one event per deadline, to put it in any calendar.

Each event starts at the deadline (stored in UTC, shown by calendars in local time), has
no end (a deadline is an instant), carries the rule that set the date, and alarms at the
reminder offsets. Its UID is derived from the case, the rule and the round, so importing
the same deadline again updates the event instead of adding a second one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from cases.i18n import Lang, Text
from cases.outbox import DeadlineDue
from cases.vocabulary import DeadlineKind

PRODID = "-//refundflow//deadlines//EN"


def uid(target: DeadlineDue) -> str:
    return f"{target.ref}.{target.rule_key}.{target.round}@refundflow"


def filename(target: DeadlineDue) -> str:
    """``RF-2026-0001-review-1.ics``."""
    safe = target.rule_key.replace(".", "-")
    return f"{target.ref}-{safe}-{target.round}.ics"


def deadline_label(target: DeadlineDue, lang: Lang) -> str:
    label = DeadlineKind(target.kind).label(lang)
    if target.rung:
        from cases import ladder

        try:
            label = f"{label} · {ladder.rung(target.rung).name.render(lang)}"
        except Exception:  # a rung renamed since: keep the plain label
            pass
    return label


def calendar_bytes(
    targets: Iterable[DeadlineDue],
    lang: Lang,
    now: datetime,
    alarms: Iterable[timedelta] = (),
) -> bytes:
    """A VCALENDAR with one VEVENT per deadline."""
    from icalendar import Alarm, Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "refundflow")
    offsets = list(alarms)
    for target in targets:
        event = Event()
        event.add("uid", uid(target))
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", target.due_at.astimezone(UTC))
        title = Text("截止：{what}（{ref}）", "Deadline: {what} ({ref})").format(
            what=deadline_label(target, lang), ref=target.ref
        )
        event.add("summary", title.render(lang))
        event.add("description", _description(target, lang))
        event.add("status", "TENTATIVE" if target.provisional else "CONFIRMED")
        event.add("categories", ["refundflow"])
        for offset in offsets:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", title.render(lang))
            alarm.add("trigger", -offset)
            event.add_component(alarm)
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def _description(target: DeadlineDue, lang: Lang) -> str:
    lines = [
        Text("案件：{ref}", "Case: {ref}").format(ref=target.ref).render(lang),
    ]
    if target.platform:
        lines.append(
            Text("平台：{p}，订单号 {o}", "Platform: {p}, order {o}")
            .format(p=target.platform, o=target.order_no)
            .render(lang)
        )
    if target.product:
        lines.append(Text("商品：{x}", "Product: {x}").format(x=target.product).render(lang))
    why = target.rule(lang)
    if why:
        lines.append(Text("期限依据：{why}", "Why this date: {why}").format(why=why).render(lang))
    if target.provisional:
        lines.append(
            Text(
                "该日期为暂定：当年的官方节假日安排尚未公布",
                "Provisional: the official holiday calendar for that year is not out yet",
            ).render(lang)
        )
    lines.append(
        Text(
            "查看：refundflow case show {ref}", "See: refundflow case show {ref}"
        ).format(ref=target.ref).render(lang)
    )
    return "\n".join(lines)
