"""The text to send at each rung of the ladder, written from the case: claim + rule + evidence.

Every letter carries the order, what happened (from the timeline), the articles the reason
relies on, the evidence by name in the order a reviewer reads it, the amount claimed and how
it was computed (from :func:`cases.eligibility.assess_claim`), and the date by which an answer
is expected. The wording lives in Jinja2 templates, one per rung and language, under
``notifications/templates/letters``; this module only gathers the facts they need.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from cases import ladder
from cases.checklist import checklist, ordered
from cases.eligibility import Claim, ClaimFacts, Usage, UsageUnit, assess_claim, format_money
from cases.i18n import LANGS, InvalidInput, Lang, Text
from cases.model import Case, Deadline, DeadlinePlanner
from cases.planning import facts_for
from cases.vocabulary import Channel, DeadlineKind, EventKind, Reason, Stage
from notifications.articles import (
    COMPENSATION_RUNGS,
    PROBLEM,
    articles_for,
    next_step_phrase,
)

TEMPLATES = Path(__file__).parent / "templates"
ADDRESSED_TO_THE_OTHER_SIDE = frozenset(
    {"merchant_cs", "refund_application", "platform_arbitration", "complaint_sites"}
)
"""Letters that end by naming the next lawful step; the others go to an authority."""


@cache
def environment(autoescape: bool = False) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
    )


def parse_lang(value: str) -> Lang:
    lang = value.strip().lower()
    if lang not in LANGS:
        raise InvalidInput(Text(
            "语言只能是 zh 或 en（收到 {v}）。", "The language must be zh or en (got {v}).",
        ).format(v=value))
    return "zh" if lang == "zh" else "en"


def local(moment: datetime, case: Case) -> str:
    return moment.astimezone(case.tz).strftime("%Y-%m-%d %H:%M")


def show_due(due: datetime, case: Case) -> str:
    """A deadline ending at midnight reads as 24:00 of its last day, as the law counts it."""
    at = due.astimezone(case.tz)
    if (at.hour, at.minute, at.second) == (0, 0, 0):
        return (at - timedelta(days=1)).strftime("%Y-%m-%d") + " 24:00"
    return at.strftime("%Y-%m-%d %H:%M")


def rung_to_act_on(case: Case) -> str:
    """The rung whose letter the user needs now: where the case stands, or the next one up
    after a rejection; a fresh draft starts with the merchant's customer service."""
    if case.rung is None:
        return "merchant_cs"
    if case.stage == Stage.REJECTED:
        upcoming = ladder.next_rung(case.rung, facts_for(case))
        if upcoming is not None:
            return upcoming.key
    return case.rung


def skips_police(case: Case) -> bool:
    """The ladder skips the police unless fraud is likely, or the user already went there."""
    return case.reason not in ladder.POLICE_REASONS and case.rung != "police"


def check_rung_fits(case: Case, rung_key: str) -> ladder.Rung:
    """The rung, refused when the ladder skips it for this case (the police, see next_rung)."""
    step = ladder.rung(rung_key)
    if skips_police(case) and step.key == "police":
        raise InvalidInput(Text(
            "{ref} 的退款原因是“{reason}”：报案只适用于平台跑路/失联或虚假“永久”承诺等可能涉嫌"
            "诈骗的情形。请选择其他阶梯，例如 samr_12315 或 court。",
            "{ref} is about '{reason}': a police report is for a vanished platform or a false "
            "'permanent' promise, where fraud is likely. Choose another rung, such as "
            "samr_12315 or court.",
        ).format(ref=case.ref, reason=case.reason.text()))
    return step


def answer_by(case: Case, rung_key: str, now: datetime, planner: DeadlinePlanner) -> Deadline:
    """When an answer is due: the case's open deadline for this rung if it is still ahead,
    otherwise the rung's clock (rules.toml, case overrides) started now."""
    for deadline in case.open_deadlines():
        ours = (deadline.kind == DeadlineKind.RUNG and deadline.rung == rung_key) or (
            rung_key == "refund_application" and deadline.kind == DeadlineKind.REVIEW
        )
        if ours and deadline.due_at > now:
            return deadline
    return planner.plan(case, DeadlineKind.RUNG, f"rung.{rung_key}", now, rung=rung_key)


def claim_for(case: Case, now: datetime, usage: str | None = None) -> Claim:
    """What to ask for, from the case's reason, price and usage (``usage`` overrides it)."""
    text = usage or case.usage
    return assess_claim(ClaimFacts(
        reason=case.reason, price=case.amount, currency=case.currency,
        paid_at=case.paid_at, now=max(now, case.paid_at),
        usage=Usage.parse(text) if text else None,
    ))


@dataclass(frozen=True)
class Amounts:
    """The claim in money: what is due now after any partial refund, and how it was reached."""

    claim: Claim
    refunded: Decimal
    due: Decimal
    computation: Text


def amounts(case: Case, claim: Claim, usage: str | None = None) -> Amounts:
    """What is due after any partial refund, with the computation in words."""
    def money(value: Decimal) -> str:
        return format_money(value, case.currency)

    text = usage or case.usage
    if claim.method in ("pro_rata_days", "pro_rata_benefits") and text:
        parsed = Usage.parse(text)
        unit = Text(" 天", " days") if parsed.unit is UsageUnit.DAYS else Text(" 项", " benefits")
        computation = Text(
            "（{total} − {used}）/ {total} × {price} = {amount}"
            "（共 {total}{unit}，已用 {used}{unit}）",
            "({total} − {used}) / {total} × {price} = {amount} ({used} of {total}{unit} used)",
        ).format(total=parsed.total, used=parsed.used, unit=unit, price=money(case.amount),
                 amount=money(claim.amount))
    elif claim.method == "full" and case.reason == Reason.DUPLICATE_PAYMENT:
        computation = Text("重复扣除的一笔 {amount}", "the duplicate charge, {amount}").format(
            amount=money(claim.amount))
    elif claim.method == "full":
        computation = Text("订单实付金额全额 {amount}", "the full amount paid, {amount}").format(
            amount=money(claim.amount))
    else:
        computation = claim.basis
    if case.refunded:
        computation = Text(
            "{how}；已收到退款 {refunded}，尚需退还 {due}",
            "{how}; {refunded} already received, so {due} remains",
        ).format(how=computation, refunded=money(case.refunded),
                 due=money(max(claim.amount - case.refunded, Decimal("0.00"))))
    due = max(claim.amount - case.refunded, Decimal("0.00"))
    return Amounts(claim, case.refunded, due, computation)


def usage_words(case: Case, usage: str | None = None) -> Text:
    text = usage or case.usage
    if not text:
        return Text("使用量未记录", "usage not recorded")
    parsed = Usage.parse(text)
    if parsed.unit is UsageUnit.DAYS:
        return Text("{total} 天中已用 {used} 天", "{used} of {total} days used").format(
            total=parsed.total, used=parsed.used)
    return Text("{total} 项权益中已用 {used} 项", "{used} of {total} benefits used").format(
        total=parsed.total, used=parsed.used)


@dataclass(frozen=True)
class EvidenceEntry:
    """One evidence file under the name it carries in letters and in the dossier."""

    n: int
    name: str
    kind: str
    captured: str
    sha256: str
    original_name: str
    note: str | None


_UNSAFE = re.compile(r"[\\/:*?\"<>|\s]+")


def _slug(text: str, limit: int = 40) -> str:
    return _UNSAFE.sub("_", text).strip("._-")[:limit].strip("._-")


def evidence_entries(case: Case, lang: Lang) -> list[EvidenceEntry]:
    """``01-购买凭证-订单截图.png``: number, kind, then the note (or the original name)."""
    entries = []
    for n, item in enumerate(ordered(case.evidence), start=1):
        original = Path(item.original_name)
        kind = item.kind.label(lang)
        stem = _slug(item.note or "") or _slug(original.stem) or "file"
        name = f"{n:02d}-{_slug(kind.replace(' ', '-'))}-{stem}{original.suffix.lower()}"
        entries.append(EvidenceEntry(n, name, kind, local(item.captured_at, case),
                                     item.sha256, item.original_name, item.note))
    return entries


_EVENT_LINE: dict[EventKind, Text] = {
    EventKind.SUBMITTED: Text("在平台提交退款申请", "filed a refund application on the platform"),
    EventKind.SUPPLEMENT_REQUESTED: Text("平台要求补充材料",
                                         "the platform asked for more material"),
    EventKind.SUPPLEMENTED: Text("按要求补充了材料", "supplied the material asked for"),
    EventKind.APPROVED: Text("平台同意退款", "the platform approved the refund"),
    EventKind.REJECTED: Text("平台驳回了退款申请", "the platform rejected the refund application"),
    EventKind.ARRIVED: Text("收到退款 {amount}", "received a refund of {amount}"),
    EventKind.ESCALATED: Text("将争议提交至“{rung}”", "took the dispute to: {rung}"),
    EventKind.WITHDRAWN: Text("撤回申请", "withdrew the application"),
    EventKind.CLOSED: Text("结案", "closed the case"),
}
_DETAILS = {
    "refund_no": Text("退款编号 {v}", "refund no. {v}"),
    "ticket": Text("工单号 {v}", "ticket {v}"),
    "note": Text("说明：{v}", "note: {v}"),
}


def timeline_lines(case: Case, lang: Lang) -> list[str]:
    """What happened, oldest first, one sentence per event (created/evidence/rules left out)."""
    shop = Text("（店铺：{m}）", " (shop: {m})").format(m=case.merchant) if case.merchant else ""
    lines = [Text(
        "{at}，在{platform}{shop}购买“{product}”，通过{channel}支付 {amount}（订单号 {order}）。",
        "{at}: bought \"{product}\" on {platform}{shop} and paid {amount} by {channel} "
        "(order no. {order}).",
    ).format(at=local(case.paid_at, case), platform=case.platform, shop=shop,
             product=case.product, channel=case.channel.text(),
             amount=format_money(case.amount, case.currency), order=case.order_no).render(lang)]
    for event in sorted(case.events, key=lambda e: (e.at, e.seq)):
        what = _EVENT_LINE.get(event.kind)
        if what is None:
            continue
        data = event.data
        words: dict[str, Any] = {}
        if event.kind == EventKind.ARRIVED:
            words["amount"] = format_money(Decimal(str(data.get("amount", "0"))), case.currency)
        if event.kind == EventKind.ESCALATED:
            key = str(data.get("rung", ""))
            words["rung"] = ladder.rung(key).name if key else "-"
        details = [_DETAILS[k].format(v=data[k]).render(lang) for k in _DETAILS if data.get(k)]
        extra = ("（" + "，".join(details) + "）") if lang == "zh" else (
            " (" + "; ".join(details) + ")")
        sentence = what.format(**words).render(lang) + (extra if details else "")
        lines.append(f"{local(event.at, case)}，{sentence}。" if lang == "zh"
                     else f"{local(event.at, case)}: {sentence}.")
    return lines


@dataclass(frozen=True)
class Letter:
    """A rendered letter, the date an answer is due, and notes for the user (not to send)."""

    ref: str
    rung: ladder.Rung
    lang: Lang
    text: str
    due: Deadline
    notes: list[Text] = field(default_factory=list)


_TRIED = frozenset({EventKind.SUBMITTED, EventKind.REJECTED, EventKind.ESCALATED})


def _pay_kind(channel: Channel) -> str:
    if channel in (Channel.BANK_CARD, Channel.CREDIT_CARD):
        return "card"
    return channel.value


def letter_context(case: Case, step: ladder.Rung, lang: Lang, now: datetime,
                   due: Deadline, money: Amounts, usage: str | None = None) -> dict[str, Any]:
    """Everything a letter template may use, already in ``lang``."""
    claim = money.claim
    compensation = claim.compensation if step.key in COMPENSATION_RUNGS else None
    upcoming = ladder.next_rung(step.key, facts_for(case))
    problem = PROBLEM[case.reason].format(usage=usage_words(case, usage)).render(lang)
    def r(text: Text) -> str:
        return text.render(lang)

    return {
        "ref": case.ref, "platform": case.platform, "merchant": case.merchant,
        "respondent": case.merchant or case.platform, "order_no": case.order_no,
        "refund_no": case.refund_no, "tickets": list(case.tickets), "product": case.product,
        "amount": format_money(case.amount, case.currency), "channel": case.channel.label(lang),
        "pay_kind": _pay_kind(case.channel), "paid_at": local(case.paid_at, case),
        "reason": case.reason.label(lang), "problem": problem, "note": case.note,
        "timeline": timeline_lines(case, lang),
        "rejected": any(e.kind == EventKind.REJECTED for e in case.events),
        "tried": bool(case.tickets) or any(e.kind in _TRIED for e in case.events),
        "filed_elsewhere": any(k in case.filings for k in ladder.OUTSIDE_FILINGS),
        "channel_key": case.channel.value,
        "articles": [{"cite": r(a.cite), "says": r(a.says)}
                     for a in articles_for(case.reason, step.key, bool(case.merchant),
                                           claim.compensation is not None)],
        "evidence": evidence_entries(case, lang),
        "missing": [r(c.need.what) for c in checklist(case, step.key) if c.missing],
        "claim_basis": r(claim.basis), "claim_amount": format_money(money.due, case.currency),
        "computation": r(money.computation),
        "compensation": format_money(compensation, case.currency) if compensation else None,
        "answer_by": show_due(due.due_at, case), "provisional": due.provisional,
        "next_step": (r(next_step_phrase(upcoming.key, case.channel))
                      if upcoming and step.key in ADDRESSED_TO_THE_OTHER_SIDE else None),
        "today": now.astimezone(case.tz).strftime("%Y-%m-%d"),
    }


def render_letter(case: Case, rung_key: str | None, lang: Lang, now: datetime,
                  planner: DeadlinePlanner, usage: str | None = None) -> Letter:
    """The letter for ``rung_key`` (default: the rung to act on now) in ``lang``."""
    step = check_rung_fits(case, rung_key or rung_to_act_on(case))
    claim = claim_for(case, now, usage)
    due = answer_by(case, step.key, now, planner)
    context = letter_context(case, step, lang, now, due, amounts(case, claim, usage), usage)
    text = environment().get_template(f"letters/{step.key}.{lang}.txt.j2").render(context)
    notes = list(claim.warnings)
    if claim.compensation is not None and step.key in COMPENSATION_RUNGS:
        notes = notes[:-1]  # the Art. 55 advice: this letter already claims it
    notes += [Text("还缺少证据：{what}", "Evidence still missing: {what}").format(what=c.need.what)
              for c in checklist(case, step.key) if c.missing]
    return Letter(case.ref, step, lang, _tidy(text), due, notes)


def _tidy(text: str) -> str:
    """No trailing spaces, at most one blank line in a row, one final newline."""
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n") + "\n"


_PARTLY = Text("服务只使用了一部分，其余部分未使用。",
               "Only part of the service was used; the rest is unused.")


def render_joint(cases: Sequence[Case], respondent: str, lang: Lang, now: datetime) -> str:
    """A joint 12315 complaint for several consumers against one business (SAMR Measures
    Art. 11: the complainants may choose two representatives in writing)."""
    if len(cases) < 2:
        raise InvalidInput(Text(
            "“{who}”名下只有 {n} 个未结案件：联合投诉需要至少两名消费者。"
            "单个案件请用 refundflow letter 编号 --rung samr_12315。",
            "Only {n} open case(s) against '{who}': a joint complaint needs at least two "
            "consumers. For one case use `refundflow letter REF --rung samr_12315`.",
        ).format(who=respondent, n=len(cases)))
    rows, total_paid, total_due, reasons = [], Decimal("0"), Decimal("0"), []
    currencies = {c.currency for c in cases}
    for n, case in enumerate(cases, start=1):
        try:
            claim = claim_for(case, now)
        except InvalidInput as exc:
            raise InvalidInput(Text("{ref}：{err}", "{ref}: {err}").format(
                ref=case.ref, err=exc.text)) from None
        due = amounts(case, claim).due
        total_paid += case.amount
        total_due += due
        reasons.append(case.reason)
        rows.append({
            "n": n, "ref": case.ref, "platform": case.platform, "order_no": case.order_no,
            "product": case.product, "paid_at": local(case.paid_at, case),
            "amount": format_money(case.amount, case.currency),
            "claim": format_money(due, case.currency), "reason": case.reason.label(lang),
            "refund_no": case.refund_no,
        })
    one = currencies.pop() if len(currencies) == 1 else None
    seen = list(dict.fromkeys(reasons))
    cited = {a.key: a for r in seen for a in articles_for(r, "samr_12315", True, False)}
    context = {
        "respondent": respondent, "rows": rows, "count": len(rows),
        "platforms": "、".join(dict.fromkeys(c.platform for c in cases)) if lang == "zh"
        else ", ".join(dict.fromkeys(c.platform for c in cases)),
        "total_paid": format_money(total_paid, one) if one else None,
        "total_claim": format_money(total_due, one) if one else None,
        "problems": [(_PARTLY if r == Reason.PARTLY_USED else PROBLEM[r]).render(lang)
                     for r in seen],
        "all_tried": all(bool(c.tickets) or any(e.kind in _TRIED for e in c.events)
                         for c in cases),
        "articles": [{"cite": a.cite.render(lang), "says": a.says.render(lang)}
                     for a in cited.values()],
        "today": now.astimezone(cases[0].tz).strftime("%Y-%m-%d"),
    }
    template = environment().get_template(f"letters/joint_complaint.{lang}.txt.j2")
    return _tidy(template.render(context))
