"""Writing the mail for a notice: subject, plain text, HTML and the deadline's .ics.

A notice holds only what happened (kind, case, deadline, occasion); the mail is written
when it is sent, from the case as it is then, so it never tells stale news: a reminder
whose deadline was met meanwhile raises :class:`Stale` and is dropped, not sent.
Every deadline mail names the case and order, the deadline in local time and why it
falls then, what happened, the next step, and the text to send (``letters.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from cases import ladder
from cases.eligibility import format_money
from cases.i18n import Lang, RefundflowError, Text
from cases.model import Case, Deadline
from cases.outbox import Attachment, DeadlineDue, Mail, Notice, NoticeKind, message_id
from cases.planning import facts_for
from cases.settings import reminder_offsets
from cases.vocabulary import DeadlineKind, DeadlineStatus, Stage
from notifications import calendar
from notifications.letters import render_letter, rung_to_act_on, show_due, timeline_lines

TEMPLATES = Path(__file__).parent / "templates"
PREFIX = Text("【退款提醒】", "[refundflow] ")


class Stale(Exception):
    """The notice is no longer true (the deadline was met, the case moved on): drop it."""


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",)),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["capitalize_first"] = lambda text: str(text)[:1].upper() + str(text)[1:]
    return env


def render(name: str, lang: Lang, context: dict[str, Any]) -> tuple[str, str]:
    """``mail/<name>.<lang>.txt.j2`` and ``.html.j2`` with the same context."""
    env = environment()
    text = env.get_template(f"mail/{name}.{lang}.txt.j2").render(context)
    html = env.get_template(f"mail/{name}.{lang}.html.j2").render(context)
    return _tidy(text), html


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n") + "\n"


def span(delta: timedelta, lang: Lang) -> str:
    """``1 天 3 小时`` / ``1 day 3 hours``; minutes only under a day."""
    minutes = max(round(delta.total_seconds() / 60), 0)  # a job firing 0.2 s late: still 2 h
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    zh = {"d": "天", "h": "小时", "m": "分钟"}
    en = {"d": "day", "h": "hour", "m": "minute"}
    parts: list[tuple[int, str]] = [(days, "d"), (hours, "h")] + ([] if days else [(mins, "m")])
    words = []
    for value, unit in parts:
        if value:
            if lang == "zh":
                words.append(f"{value} {zh[unit]}")
            else:
                words.append(f"{value} {en[unit]}{'' if value == 1 else 's'}")
    if not words:
        return "不到 1 分钟" if lang == "zh" else "less than a minute"
    return " ".join(words)


@dataclass(frozen=True)
class Composer:
    """Writes mail for one installation: who gets it, in which language, from which domain."""

    ctx: Any
    recipients: tuple[str, ...]
    domain: str

    @property
    def lang(self) -> Lang:
        lang: Lang = self.ctx.settings.mail_language
        return lang

    def compose(self, notice: Notice, now: datetime) -> Mail:
        if notice.kind == NoticeKind.TEST:
            subject, text, html = self._test(notice, now)
            attachments: tuple[Attachment, ...] = ()
        elif notice.kind == NoticeKind.DIGEST:
            subject, text, html = self._digest(notice, now)
            attachments = ()
        else:
            subject, text, html, attachments = self._deadline(notice, now)
        return Mail(
            self.recipients,
            PREFIX.render(self.lang) + subject,
            text,
            html,
            message_id(notice.dedupe_key, self.domain),
            attachments,
        )

    # ------------------------------------------------------------------ deadlines
    def _deadline(
        self, notice: Notice, now: datetime
    ) -> tuple[str, str, str, tuple[Attachment, ...]]:
        from cases.services import get_case

        lang = self.lang
        case = get_case(self.ctx, notice.case_ref or "")
        payload = notice.payload
        deadline = find_deadline(case, payload)
        if deadline is None:
            raise Stale("the deadline is no longer on the case")
        occasion = str(payload.get("occasion") or "missed")
        check_still_true(case, deadline, occasion, now)
        target = due_of(case, deadline)
        context = self._case_context(case, deadline, now)
        what = calendar.deadline_label(target, lang)
        due = context["due"]
        if occasion == "missed":
            rung_key = payload.get("escalated_to")
            rung_name = ladder.rung(rung_key).name.render(lang) if rung_key else None
            headline = Text("{what}期限已过", "the {what} deadline has passed").format(what=what)
            subject = Text(
                "{ref} {what}期限（{due}）已过", "{ref}: {what} deadline ({due}) has passed"
            ).format(ref=case.ref, what=what, due=due)
            context["escalated_to"] = rung_name
        elif occasion.startswith("overdue"):
            late = span(now - deadline.due_at, lang)
            headline = Text("{what}已逾期 {late}，仍无新进展", "{what} overdue by {late}, no news")
            headline = headline.format(what=what, late=late)
            subject = Text("{ref} {what}已逾期 {late}", "{ref}: {what} overdue by {late}").format(
                ref=case.ref, what=what, late=late
            )
            context["escalated_to"] = None
        else:
            left = span(deadline.due_at - now, lang)
            headline = Text("{what}还有 {left} 到期", "{what} is due in {left}").format(
                what=what, left=left
            )
            subject = Text("{ref} {what} {due} 到期（还有 {left}）",
                           "{ref}: {what} due {due} (in {left})").format(
                ref=case.ref, what=what, due=due, left=left
            )
            context["escalated_to"] = None
        context["occasion"] = "missed" if occasion == "missed" else (
            "overdue" if occasion.startswith("overdue") else "before")
        context["headline"] = headline.render(lang)
        context["what"] = what
        context.update(self._next_step(case, deadline, context["occasion"], now))
        text, html = render("deadline", lang, context)
        # After a miss the reader faces the case's new deadline: put it in the calendar too.
        events = [target] + ([due_of(case, d) for d in case.open_deadlines()]
                             if occasion == "missed" else [])
        ics = calendar.calendar_bytes(events, lang, now, self._alarms())
        attachment = Attachment(calendar.filename(target), ics, "text/calendar")
        return subject.render(lang), text, html, (attachment,)

    def _alarms(self) -> list[timedelta]:
        try:
            return reminder_offsets(self.ctx.settings.remind_before)
        except ValueError:  # pragma: no cover - checked when settings load
            return []

    def _case_context(self, case: Case, deadline: Deadline, now: datetime) -> dict[str, Any]:
        lang = self.lang
        reader = ZoneInfo(self.ctx.settings.recipient_zone)
        due_here = deadline.due_at.astimezone(reader).strftime("%Y-%m-%d %H:%M")
        history = timeline_lines(case, lang)
        return {
            "ref": case.ref,
            "platform": case.platform,
            "merchant": case.merchant,
            "order_no": case.order_no,
            "product": case.product,
            "amount": format_money(case.amount, case.currency),
            "stage": case.stage.label(lang),
            "due": show_due(deadline.due_at, case),
            "zone": case.zone,
            "due_reader": due_here if reader.key != case.zone else None,
            "reader_zone": reader.key,
            "why": deadline.rule(lang),
            "provisional": deadline.provisional,
            "happened": history[-6:],
            "earlier": max(len(history) - 6, 0),
            "now": now.astimezone(case.tz).strftime("%Y-%m-%d %H:%M"),
        }

    def _next_step(self, case: Case, deadline: Deadline, occasion: str,
                   now: datetime) -> dict[str, Any]:
        """What to do now, and the letter for it (or for the rung after a silent deadline)."""
        lang = self.lang
        ref = case.ref
        if occasion != "before":
            rung_key: str | None = rung_to_act_on(case)
            step = _act(rung_key, lang)
        elif deadline.kind == DeadlineKind.SUPPLEMENT:
            rung_key = rung_to_act_on(case)
            step = Text(
                "在截止前按平台要求补充材料，然后记录：refundflow case event {ref} supplemented",
                "Supply the material the platform asked for before the deadline, then record it: "
                "refundflow case event {ref} supplemented",
            ).format(ref=ref).render(lang)
        elif deadline.kind in (DeadlineKind.WINDOW, DeadlineKind.ESCALATE):
            rung_key = "refund_application" if deadline.kind == DeadlineKind.WINDOW else (
                rung_to_act_on(case))
            step = _act(rung_key, lang)
        else:
            upcoming = _next_rung(case)
            rung_key = upcoming.key if upcoming else None
            record = "arrived" if deadline.kind == DeadlineKind.ARRIVAL else "approved / rejected"
            wait = Text(
                "先等对方答复；有结果后记录：refundflow case event {ref} {record}。",
                "Wait for the answer; when it comes, record it: "
                "refundflow case event {ref} {record}.",
            ).format(ref=ref, record=record).render(lang)
            after = Text(
                "如到期仍无结果，下一步是“{rung}”：向{to}提交{send}。",
                " If nothing has come by the deadline, the next step is {rung}: send {to} {send}.",
            )
            step = wait + (after.format(
                rung=upcoming.name, to=upcoming.to_whom, send=upcoming.send).render(lang)
                if upcoming else "")
        letter, letter_due, letter_rung = None, None, None
        if rung_key:
            try:
                found = render_letter(case, rung_key, lang, now, self.ctx.planner)
                letter, letter_rung = found.text, found.rung.name.render(lang)
                letter_due = show_due(found.due.due_at, case)
            except RefundflowError:
                letter = None
        return {
            "next_step": step,
            "letter": letter,
            "letter_rung": letter_rung,
            "letter_due": letter_due,
            "letter_command": f"refundflow letter {ref}"
            + (f" --rung {rung_key}" if rung_key else ""),
        }

    # ---------------------------------------------------------------------- digest
    def _digest(self, notice: Notice, now: datetime) -> tuple[str, str, str]:
        from cases.outbox_services import deadlines_to_remind
        from notifications.reminders import needs_someone_today

        lang = self.lang
        settings = self.ctx.settings
        reader = ZoneInfo(settings.recipient_zone)
        targets = deadlines_to_remind(self.ctx, settings.remind_overdue_days)
        rows = [digest_row(t, now, lang) for t in targets if needs_someone_today(t, now, reader)]
        if not rows:
            raise Stale("no case needs anyone today")
        rows.sort(key=lambda r: (not r["late"], r["due_at"]))
        day = str(notice.payload.get("date") or now.astimezone(reader).date().isoformat())
        context = {"rows": rows, "day": day, "count": len({r["ref"] for r in rows}),
                   "zone": reader.key}
        text, html = render("digest", lang, context)
        subject = Text(
            "今日待办：{n} 个案件需要处理（{day}）", "Today: {n} case(s) need someone ({day})"
        ).format(n=context["count"], day=day)
        return subject.render(lang), text, html

    # ------------------------------------------------------------------------ test
    def _test(self, notice: Notice, now: datetime) -> tuple[str, str, str]:
        settings = self.ctx.settings
        reader = ZoneInfo(settings.recipient_zone)
        context = {
            "host": settings.smtp_host, "port": notice.payload.get("port"),
            "security": settings.smtp_security, "sender": settings.sender,
            "recipients": ", ".join(self.recipients),
            "sent_at": now.astimezone(reader).strftime("%Y-%m-%d %H:%M"), "zone": reader.key,
            "quiet": settings.quiet_hours, "before": settings.remind_before,
            "digest": settings.digest_at,
        }
        text, html = render("test", self.lang, context)
        return Text("测试邮件", "test mail").render(self.lang), text, html


def _act(rung_key: str | None, lang: Lang) -> str:
    if not rung_key:
        return Text(
            "请查看案件并决定下一步", "Look at the case and decide what comes next"
        ).render(lang)
    step = ladder.rung(rung_key)
    return Text(
        "现在就做：“{rung}”——向{to}提交{send}。可直接使用下面的文本。",
        "Do it now: {rung}. Send {to} {send}. The text below is ready to use.",
    ).format(rung=step.name, to=step.to_whom, send=step.send).render(lang)


def _next_rung(case: Case) -> ladder.Rung | None:
    try:
        return ladder.next_rung(case.rung or "refund_application", facts_for(case))
    except RefundflowError:
        return None


def find_deadline(case: Case, payload: dict[str, Any]) -> Deadline | None:
    """The deadline a notice is about: same rule and round, preferring the same due time."""
    rule, round_ = payload.get("rule"), payload.get("round")
    same = [d for d in case.deadlines if d.rule_key == rule and d.round == round_]
    due = payload.get("due_at")
    for deadline in same:
        if due and deadline.due_at == datetime.fromisoformat(str(due)):
            return deadline
    return same[-1] if same else None


def check_still_true(case: Case, deadline: Deadline, occasion: str, now: datetime) -> None:
    """Raise :class:`Stale` when a reminder would tell the reader something no longer true."""
    if occasion == "missed":
        return
    if occasion.startswith("overdue"):
        untouched = deadline.status == DeadlineStatus.MISSED and (
            deadline.handled_at is not None and case.updated_at <= deadline.handled_at
        )
        if case.stage in (Stage.CLOSED, Stage.ARRIVED):
            raise Stale("the case is settled")
        if not (untouched or (deadline.is_open and deadline.due_at <= now)):
            raise Stale("something was recorded on the case after the deadline passed")
        return
    if not deadline.is_open:
        raise Stale(f"the deadline is {deadline.status.value} already")
    if deadline.due_at <= now:
        raise Stale("the deadline passed before the reminder could go out")


def due_of(case: Case, deadline: Deadline) -> DeadlineDue:
    return DeadlineDue(
        ref=case.ref, kind=deadline.kind.value, rule_key=deadline.rule_key,
        round=deadline.round, start_at=deadline.start_at, due_at=deadline.due_at,
        status=deadline.status.value, zone=case.zone, handled_at=deadline.handled_at,
        rung=deadline.rung, rule_zh=deadline.rule_zh, rule_en=deadline.rule_en,
        provisional=deadline.provisional, platform=case.platform, order_no=case.order_no,
        product=case.product,
    )


def digest_row(target: DeadlineDue, now: datetime, lang: Lang) -> dict[str, Any]:
    tz = ZoneInfo(target.zone)
    late = target.due_at <= now
    when = span(now - target.due_at, lang) if late else span(target.due_at - now, lang)
    state = (Text("已逾期 {t}", "overdue by {t}") if late else Text("还有 {t}", "in {t}"))
    return {
        "ref": target.ref, "platform": target.platform, "order_no": target.order_no,
        "product": target.product, "what": calendar.deadline_label(target, lang),
        "due": target.due_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), "zone": target.zone,
        "due_at": target.due_at, "late": late, "state": state.format(t=when).render(lang),
    }
