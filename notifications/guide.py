"""The escalation ladder for one case, as guidance: where it stands, when each rung opens and
closes, and what will be refused or needs care before the user steps in.

"Earliest" is when a rung becomes the sensible next step: now for the rung to act on, then
each rung's clock (rules.toml) after the one before. "Last safe" is a hard limit where one
exists: the 3-year limitation for 12315 and the court, 120 days from payment for a card
chargeback, the open no-reason window or supplement deadline for the refund application.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any

from cases import ladder
from cases.checklist import Check, checklist
from cases.eligibility import format_money
from cases.i18n import Lang, Text
from cases.model import Case, Deadline, DeadlinePlanner
from cases.planning import facts_for
from cases.provinces import Figure, Province
from cases.vocabulary import Channel, DeadlineKind, EventKind, Reason
from notifications.letters import answer_by, rung_to_act_on, show_due, skips_police

STATUS: dict[str, Text] = {
    "done": Text("已走过", "done"),
    "current": Text("当前", "now"),
    "next": Text("下一步", "next"),
    "later": Text("之后", "later"),
    "skipped": Text("不适用", "not for this case"),
}
MULTIPLE_GENERAL = Text(
    "同一订单只保留一个进行中的退款申请：多头申请（同时在 App、网页、第三方提交）会让审核重复，"
    "拖慢每一个申请。",
    "Keep one live refund application per order: applying in several places at once (app, "
    "web, third parties) makes reviews repeat and slows every one of them down.",
)
FILED = Text("已于此日提交", "filed on this day")
_CARDS = (Channel.CREDIT_CARD, Channel.BANK_CARD)


@dataclass(frozen=True)
class RungRow:
    rung: ladder.Rung
    status: str
    earliest: datetime | None
    earliest_why: Text
    last_safe: datetime | None  # the first instant that is too late
    last_why: Text | None
    traps: list[ladder.Trap] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    due: Deadline | None = None


@dataclass(frozen=True)
class LadderView:
    case: Case
    current: str
    next: str | None
    rows: list[RungRow]
    warnings: list[Text]
    notes: list[Text]


def local_facts(case: Case, live_applications: int = 0,
                province: Province | None = None) -> ladder.LadderFacts:
    """The ladder's facts with times in the case's zone, so dates fall on local days."""
    facts = facts_for(case)
    zone = case.tz
    return replace(
        facts, paid_at=facts.paid_at.astimezone(zone),
        harm_known_at=facts.harm_known_at.astimezone(zone),
        live_applications=live_applications, province=province.name if province else None,
    )


def limits_for(province: Province | None) -> ladder.TrapLimits:
    cap = province.small_claims_cap if province else None
    return ladder.TrapLimits(small_claims_cap=cap.amount if cap else None)


def rung_traps(case: Case, rung_key: str, now: datetime, *, live_applications: int = 0,
               province: Province | None = None) -> list[ladder.Trap]:
    """One rung's traps as the ladder shows them, the province's figures included."""
    facts = local_facts(case, live_applications, province)
    found = ladder.traps(rung_key, facts, now, limits_for(province))
    return _province_traps(found, case, province, now)


def limitation_end(case: Case, years: int = 3) -> datetime:
    """24:00 of the same day ``years`` on from when the harm was known (Civil Code Arts.
    188, 201-203), in the case's zone; harm is taken as known at payment, as the ladder does."""
    start = case.paid_at.astimezone(case.tz).date()
    try:
        last = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        last = start.replace(year=start.year + years, day=28)
    return datetime.combine(last + timedelta(days=1), time(), tzinfo=case.tz)


def _last_safe(key: str, case: Case) -> tuple[datetime | None, Text | None]:
    if key in ("samr_12315", "court"):
        return limitation_end(case), Text(
            "知道权益受损起 3 年（《民法典》第一百八十八条；《市场监督管理投诉举报处理暂行办法》"
            "第十五条）", "3 years from when the harm was known (Civil Code Art. 188; SAMR "
            "Measures Art. 15)")
    if key == "payment_dispute" and case.channel in _CARDS:
        end = case.paid_at.astimezone(case.tz) + timedelta(days=120)
        return end, Text("付款后 120 天的拒付期限（卡组织规则，未核实）",
                         "120 days from payment for a chargeback (card-network rule, unverified)")
    if key == "refund_application":
        for deadline in case.open_deadlines():
            if deadline.kind == DeadlineKind.SUPPLEMENT:
                return deadline.due_at, Text("补充材料的期限", "the deadline to supply material")
            if deadline.kind == DeadlineKind.WINDOW and case.reason in (
                    Reason.MISTAKEN_PURCHASE, Reason.NOT_ACTIVATED):
                return deadline.due_at, Text("无理由退款时限", "the no-reason refund window")
    return None, None


def _filed(case: Case) -> dict[str, datetime]:
    filed = {key: datetime.fromisoformat(at) for key, at in case.filings.items()}
    for event in sorted(case.events, key=lambda e: e.seq):
        if event.kind == EventKind.SUBMITTED:
            filed.setdefault("refund_application", event.at)
    return filed


def _province_traps(found: list[ladder.Trap], case: Case, province: Province | None,
                    now: datetime) -> list[ladder.Trap]:
    """The police threshold of the user's province replaces the national range when known."""
    figure = province.fraud_threshold if province else None
    if figure is None or province is None or case.currency.upper() not in ("CNY", "RMB"):
        return found
    kept = [t for t in found if t.key != "police_threshold"]
    if case.amount >= figure.amount:
        return kept
    return [*kept, ladder.Trap("police_threshold", "warn", Text(
        "金额 {amount} 低于{province}诈骗罪“数额较大”的标准 {threshold}（{source}），公安机关可能"
        "不作为刑事案件立案。如果平台已跑路，仍应报案，最好联合其他受害者一起报案。",
        "{amount} is below {province}'s fraud 'large amount' threshold of {threshold} "
        "({source}), so the police may not open a criminal case. If the platform vanished, "
        "report it anyway, ideally with other victims.",
    ).format(amount=format_money(case.amount, case.currency), province=province.label(),
             threshold=format_money(figure.amount, "CNY"),
             source=figure_source(figure, now)))]


def figure_source(figure: Figure, now: datetime) -> Text:
    """Where a province figure comes from, its year, and whether it is checked and current."""
    year = str(figure.year) if figure.year else "?"
    checked = Text("已核实", "verified") if figure.verified else Text("未核实", "unverified")
    text = Text("{source}；{year} 年；{checked}", "{source}; {year}; {checked}").format(
        source=figure.source, year=year, checked=checked)
    if figure.stale(now.year):
        text = Text("{t}；可能已过时，请查当年标准", "{t}; may be out of date, check this year's "
                    "figure").format(t=text)
    return text


def ladder_view(case: Case, now: datetime, planner: DeadlinePlanner, *,
                live_applications: int = 0, province: Province | None = None) -> LadderView:
    """Every rung for this case: status, earliest and last safe date, traps, evidence check."""
    facts = local_facts(case, live_applications, province)
    current = ladder.rung(rung_to_act_on(case))
    upcoming = ladder.next_rung(current.key, facts)
    filed = _filed(case)
    rows: list[RungRow] = []
    cursor: datetime | None = None
    for step in ladder.RUNGS:
        skipped = step.key == "police" and skips_police(case)
        if skipped:
            rows.append(RungRow(step, "skipped", None, Text(
                "仅适用于平台跑路或可能涉嫌诈骗的情形", "only for a vanished platform or "
                "likely fraud"), None, None))
            continue
        if step.order < current.order:
            at = filed.get(step.key)
            why = FILED if at else Text("未记录", "not recorded")
            rows.append(RungRow(step, "done", at, why, None, None))
            continue
        last, last_why = _last_safe(step.key, case)
        found = [t for t in rung_traps(case, step.key, now, province=province,
                                       live_applications=live_applications)
                 if t.key != "multiple_applications"]
        checks = checklist(case, step.key)
        if step.key == current.key:
            due = answer_by(case, step.key, now, planner)
            at = filed.get(step.key) if case.rung == step.key else None
            why = FILED if at else Text(
                "现在即可", "you can act now")
            rows.append(RungRow(step, "current", at or now, why, last, last_why, found,
                                checks, due))
            cursor = due.due_at
            continue
        status = "next" if upcoming and step.key == upcoming.key else "later"
        start = cursor or now
        rows.append(RungRow(step, status, start, Text(
            "上一级的答复期满后", "once the rung before has had its time"), last, last_why,
            found, checks))
        cursor = planner.plan(case, DeadlineKind.RUNG, step.clock_key, start,
                              rung=step.key).due_at
    return LadderView(case, current.key, upcoming.key if upcoming else None, rows,
                      _warnings(facts, now), province_notes(province, now))


def _warnings(facts: ladder.LadderFacts, now: datetime) -> list[Text]:
    found = list(ladder.general_warnings())
    multiple = [t for t in ladder.traps("merchant_cs", facts, now)
                if t.key == "multiple_applications"]
    found.append(multiple[0].text if multiple else MULTIPLE_GENERAL)
    return found


def province_notes(province: Province | None, now: datetime) -> list[Text]:
    """Each figure known for the province, with its source, year and whether it is checked."""
    if province is None:
        return []
    notes = []
    names = {"fraud_threshold": Text("诈骗罪“数额较大”标准", "fraud 'large amount' threshold"),
             "small_claims_cap": Text("小额诉讼上限", "small-claims cap")}
    for key, what in names.items():
        figure: Figure | None = getattr(province, key)
        if figure is not None:
            notes.append(Text("{p}{what}：{amount}（{source}）",
                              "{p} {what}: {amount} ({source})").format(
                p=province.label(), what=what, amount=format_money(figure.amount, "CNY"),
                source=figure_source(figure, now)))
    return notes


def _day(moment: datetime | None, case: Case) -> str | None:
    return None if moment is None else show_due(moment, case)


def view_json(view: LadderView, lang: Lang) -> dict[str, Any]:
    """The ladder as plain data for ``--json`` (texts in ``lang``, times in the case's zone)."""
    case = view.case
    def r(text: Text) -> str:
        return text.render(lang)

    def iso(moment: datetime | None) -> str | None:
        return None if moment is None else moment.astimezone(case.tz).isoformat()

    return {
        "ref": case.ref, "reason": case.reason.value, "stage": case.stage.value,
        "current": view.current, "next": view.next,
        "rungs": [{
            "key": row.rung.key, "order": row.rung.order, "name": r(row.rung.name),
            "status": row.status, "to_whom": r(row.rung.to_whom), "send": r(row.rung.send),
            "entry": r(row.rung.entry), "source": r(row.rung.source),
            "earliest": iso(row.earliest), "earliest_why": r(row.earliest_why),
            "last_safe": iso(row.last_safe), "last_safe_shown": _day(row.last_safe, case),
            "last_safe_why": r(row.last_why) if row.last_why else None,
            "answer_by": iso(row.due.due_at) if row.due else None,
            "traps": [{"key": t.key, "severity": t.severity, "text": r(t.text)}
                      for t in row.traps],
            "checklist": [{"kind": c.need.kind.value, "what": r(c.need.what), "have": c.have,
                           "missing": c.missing} for c in row.checks],
        } for row in view.rows],
        "warnings": [r(w) for w in view.warnings],
        "notes": [r(n) for n in view.notes],
    }
