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
from decimal import Decimal
from typing import Any

from cases import ladder
from cases.checklist import Check, checklist
from cases.eligibility import format_money
from cases.i18n import Lang, Text, join
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
    """The police threshold of the user's province replaces the national range when known;
    when the province has no figure, the national trap stays and says so (:data:`UNKNOWN`)."""
    if province is None:
        return found
    found = [_unknown_added(t, province) for t in found]
    figure = province.fraud_threshold
    if figure is None or case.currency.upper() not in ("CNY", "RMB"):
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


_TRAP_FIGURE = {"police_threshold": "fraud_threshold", "small_claims_cap": "small_claims_cap"}
"""Which province figure each trap is about."""


def _unknown_added(trap: ladder.Trap, province: Province) -> ladder.Trap:
    """A trap about a figure the province lacks: the police trap keeps its national wording
    and adds that the province's own is not known; the cap trap says so instead of asking
    the user to look up a figure refundflow does not have."""
    key = _TRAP_FIGURE.get(trap.key)
    if key is None or province.figure(key) is not None:
        return trap
    if key == "small_claims_cap":
        return replace(trap, text=figure_unknown(province, key))
    own = _OWN_UNKNOWN.format(p=province.label(), name=province.name)
    return replace(trap, text=join([trap.text, own], "", " "))


_OWN_UNKNOWN = Text(
    "{p}的具体标准未知（refundflow 还没有该省的数据）；查到官方数字后，可写入 "
    "$REFUNDFLOW_HOME/provinces.toml 的 [\"{name}\".fraud_threshold]。",
    "{p}'s own threshold is not known (refundflow has no figure for it yet); once you have "
    "the official figure, add it to $REFUNDFLOW_HOME/provinces.toml as "
    "[\"{name}\".fraud_threshold].",
)


UNKNOWN = {
    "fraud_threshold": Text(
        "{p}诈骗罪“数额较大”的标准未知：refundflow 还没有该省的数据，按全国范围 {low} 至 {high} "
        "处理（2011 年两高司法解释）。查到官方数字后，可写入 $REFUNDFLOW_HOME/provinces.toml 的 "
        "[\"{name}\".fraud_threshold]（格式见 docs/letters.md）。",
        "{p}'s fraud 'large amount' threshold is not known: refundflow has no figure for it "
        "yet, so the national range of {low} to {high} applies (2011 SPC/SPP interpretation). "
        "Once you have the official figure, add it to $REFUNDFLOW_HOME/provinces.toml as "
        "[\"{name}\".fraud_threshold] (layout: docs/letters.md).",
    ),
    "small_claims_cap": Text(
        "{p}的小额诉讼上限未知：refundflow 还没有该省的数据。上限是该省上一年度就业人员年平均"
        "工资的 50%（《民事诉讼法》第一百六十五条）：请先向当地法院查询，再决定走小额诉讼还是"
        "普通程序。查到后，可写入 $REFUNDFLOW_HOME/provinces.toml 的 "
        "[\"{name}\".small_claims_cap]（格式见 docs/letters.md）。",
        "{p}'s small-claims cap is not known: refundflow has no figure for it yet. The cap is "
        "50 % of the province's previous-year average wage (Civil Procedure Law Art. 165): ask "
        "the local court before choosing small claims or the ordinary procedure. Once you have "
        "it, add it to $REFUNDFLOW_HOME/provinces.toml as [\"{name}\".small_claims_cap] "
        "(layout: docs/letters.md).",
    ),
}
"""What is said where a province has no researched figure (cases/data/provinces.toml)."""


def figure_unknown(province: Province, key: str) -> Text:
    """That ``province`` has no figure ``key``, what applies instead, and how to add it."""
    national = ladder.TrapLimits()
    return UNKNOWN[key].format(p=province.label(), name=province.name,
                               low=_yuan(national.fraud_low), high=_yuan(national.fraud_high))


def _yuan(amount: Decimal) -> str:
    return f"¥{amount:,.0f}"


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


FIGURE_NAMES = {"fraud_threshold": Text("诈骗罪“数额较大”标准", "fraud 'large amount' threshold"),
                "small_claims_cap": Text("小额诉讼上限", "small-claims cap")}


def province_notes(province: Province | None, now: datetime) -> list[Text]:
    """Each figure of the province, with its source, year and whether it is checked; or that
    it is not known, what applies instead and how to add it. None without a province."""
    if province is None:
        return []
    notes = []
    for key, what in FIGURE_NAMES.items():
        figure = province.figure(key)
        if figure is None:
            notes.append(figure_unknown(province, key))
            continue
        notes.append(Text("{p}{what}：{amount}（{source}）",
                          "{p} {what}: {amount} ({source})").format(
            p=province.label(), what=what, amount=format_money(figure.amount, "CNY"),
            source=figure_source(figure, now)))
    return notes


def province_summary(province: Province) -> Text:
    """One line on what refundflow knows of a province, for a form's hint: each figure with
    its year, or that it is not known and what applies instead."""
    national = ladder.TrapLimits()
    instead = {
        "fraud_threshold": Text("按全国范围 {low} 至 {high}", "the national range {low} to "
                                "{high} applies").format(low=_yuan(national.fraud_low),
                                                          high=_yuan(national.fraud_high)),
        "small_claims_cap": Text("请向当地法院查询", "ask the local court"),
    }
    parts = []
    for key, what in FIGURE_NAMES.items():
        figure = province.figure(key)
        if figure is None:
            parts.append(Text("{what}未知（{instead}）", "{what} not known ({instead})").format(
                what=what, instead=instead[key]))
            continue
        checked = Text("已核实", "verified") if figure.verified else Text("未核实", "unverified")
        parts.append(Text("{what} {amount}（{year} 年，{checked}）",
                          "{what} {amount} ({year}, {checked})").format(
            what=what, amount=format_money(figure.amount, "CNY"),
            year=str(figure.year or "?"), checked=checked))
    full = f"（{province.full}）" if province.full and province.full != province.name else ""
    return Text("{zh}{full}：{parts}", "{en}: {parts}").format(
        zh=province.name, full=full, en=province.en, parts=join(parts, "；", "; "))


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
