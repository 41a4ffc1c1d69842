"""Use cases: every change to a case, one unit of work each.

The CLI, the TUI, the flows and the scheduler call these functions and nothing else to
change a case. Each validates, applies the transition, appends to the timeline and
recomputes deadlines inside one transaction; on any error nothing is stored.
"""

from __future__ import annotations

import functools
import random
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import ParamSpec, Protocol, TypeVar

from cases.i18n import Conflict, InvalidInput, NotFound, Text, TransitionRefused, join
from cases.integrity import Verification, verify
from cases.model import Case, DeadlinePlanner, EventInput, Evidence, RungGuide
from cases.outbox import Notice, NoticeKind, deadline_key
from cases.ports import CaseRepository, CaseSummary, Clock, EvidenceFiles, UnitOfWork
from cases.provinces import ProvinceTable
from cases.rules import RuleBook
from cases.vocabulary import (
    Channel,
    DeadlineKind,
    DeadlineStatus,
    EventKind,
    EvidenceKind,
    Reason,
    Stage,
)

R = TypeVar("R")
P = ParamSpec("P")

RETRIES = 5
"""How often a use case is run again when another writer changed the same case first."""


def retried(func: Callable[P, R]) -> Callable[P, R]:
    """Run the whole use case again (reloading the case) after an optimistic-lock conflict.

    Two people (or the TUI and the background service) recording on the same case at the
    same moment must both succeed, each on top of the other's change, never overwrite it.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(RETRIES):
            try:
                return func(*args, **kwargs)
            except Conflict:
                if attempt == RETRIES - 1:
                    raise
                time.sleep(random.uniform(0.005, 0.05) * (attempt + 1))
        raise AssertionError("unreachable")

    return wrapper


class Deps(Protocol):
    """What the use cases need; :class:`cases.bootstrap.Context` provides it."""

    clock: Clock

    def uow(self) -> UnitOfWork: ...

    @property
    def planner(self) -> DeadlinePlanner: ...

    @property
    def ladder(self) -> RungGuide: ...

    @property
    def files(self) -> EvidenceFiles: ...

    @property
    def provinces(self) -> ProvinceTable: ...


@dataclass(frozen=True)
class NewCase:
    platform: str
    order_no: str
    product: str
    amount: Decimal
    currency: str
    channel: Channel
    reason: Reason
    paid_at: datetime
    zone: str
    merchant: str | None = None
    note: str | None = None
    usage: str | None = None
    assignee: str | None = None
    rule_overrides: dict[str, str] = field(default_factory=dict)
    submitted_at: datetime | None = None
    refund_no: str | None = None
    province: str | None = None


def add_case(deps: Deps, new: NewCase, *, force: bool = False, actor: str | None = None) -> Case:
    """Record a new dispute as a draft (or as submitted, when ``submitted_at`` is given)."""
    with deps.uow() as uow:
        _refuse_duplicates(uow.cases, [new], force)
        now = deps.clock.now()
        ref = uow.cases.allocate_refs(_year(now, new.zone), 1)[0]
        case = _build(deps, new, ref, now, actor)
        uow.cases.add(case)
        uow.commit()
    return case


def import_cases(
    deps: Deps,
    rows: list[NewCase],
    *,
    force: bool = False,
    actor: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Case]:
    """Add many cases in one transaction: all of them or none."""
    with deps.uow() as uow:
        _refuse_duplicates(uow.cases, rows, force)
        now = deps.clock.now()
        by_year: dict[int, list[NewCase]] = {}
        for row in rows:
            by_year.setdefault(_year(now, row.zone), []).append(row)
        created: list[Case] = []
        for year, group in sorted(by_year.items()):
            refs = uow.cases.allocate_refs(year, len(group))
            for ref, row in zip(refs, group, strict=True):
                created.append(_build(deps, row, ref, now, actor))
                if progress and len(created) % 500 == 0:
                    progress(500)
        uow.cases.add_many(created)
        uow.commit()
    if progress:
        progress(len(created) % 500)
    return created


def restore_cases(deps: Deps, cases: Iterable[Case]) -> int:
    """Put exported cases back (same references, timeline and hashes), all or none."""
    with deps.uow() as uow:
        count = 0
        for case in cases:
            if uow.cases.get(case.ref) is not None:
                raise Conflict(
                    Text(
                        "{ref} 已存在；导入完整记录需要一个没有这些案件的数据目录",
                        "{ref} already exists; restoring full records needs a home without them",
                        {"ref": case.ref},
                    )
                )
            year = int(case.ref.split("-")[1])
            uow.cases.reserve_ref(year, int(case.ref.split("-")[2]))
            uow.cases.add(case)
            count += 1
        uow.commit()
    return count


@retried
def record_event(
    deps: Deps, ref: str, what: EventInput, *, force: bool = False, actor: str | None = None
) -> Case:
    """Record what happened to a case (``case event``), with its deadlines."""
    with deps.uow() as uow:
        case = _get(uow.cases, ref)
        if what.kind == EventKind.SUBMITTED and not force:
            others = uow.cases.live_applications(case.platform, case.order_no)
            _refuse_live(case.order_no, [r for r in others if r != case.ref])
        if what.kind == EventKind.ESCALATED and not force:
            _refuse_blocked_rung(deps, case, what)
        case.record(what, deps.clock.now(), deps.planner, deps.ladder, actor)
        uow.commit()
    return case


@retried
def add_evidence(
    deps: Deps,
    ref: str,
    path: Path,
    kind: EvidenceKind,
    *,
    note: str | None = None,
    captured_at: datetime | None = None,
    actor: str | None = None,
) -> Evidence:
    """Copy a file into the evidence store and note it on the case's timeline."""
    with deps.uow() as uow:
        case = _get(uow.cases, ref)
        stored = deps.files.put(path)  # before the transaction: a failed commit leaves only a copy
        now = deps.clock.now()
        item = Evidence(kind, stored.sha256, path.name, stored.size, captured_at or now, now, note)
        case.attach(item, now, actor)
        uow.commit()
    return item


@retried
def override_rule(
    deps: Deps, ref: str, key: str, duration: str, *, actor: str | None = None
) -> Case:
    """Change one deadline rule for one case and re-date its open deadlines of that rule."""
    if key not in RuleBook.keys():
        raise InvalidInput(
            Text(
                "没有名为“{key}”的期限规则；可用：{keys}",
                'no deadline rule named "{key}"; valid rules: {keys}',
                {"key": key, "keys": ", ".join(RuleBook.keys())},
            )
        )
    with deps.uow() as uow:
        case = _get(uow.cases, ref)
        case.rule_overrides = {**case.rule_overrides, key: duration}
        now = deps.clock.now()
        for old in [d for d in case.deadlines if d.rule_key == key and d.is_open]:
            fresh = deps.planner.plan(case, old.kind, key, old.start_at, old.round, old.rung)
            old.settle(DeadlineStatus.CANCELLED, now)
            case.deadlines.append(fresh)
        case.append_event(
            EventKind.RULE_CHANGED, now, now, {"rule": key, "duration": duration}, actor
        )
        uow.commit()
    return case


@retried
def set_province(deps: Deps, ref: str, name: str | None, *, actor: str | None = None) -> Case:
    """Set, change or clear (``None`` or blank) the user's province for one case, on the
    timeline; a name the province table does not know is refused with the ones it does."""
    return change_details(deps, ref, province=name, actor=actor)


class Keep(Enum):
    KEEP = "keep"


KEEP = Keep.KEEP
"""The value of a detail :func:`change_details` leaves as it is."""

MAX_ASSIGNEE = 200


@retried
def change_details(
    deps: Deps,
    ref: str,
    *,
    province: str | None | Keep = KEEP,
    assignee: str | None | Keep = KEEP,
    actor: str | None = None,
) -> Case:
    """Change a case's province and who handles it (``None`` or blank clears either), each
    change on the timeline, all in one transaction; what is already so records nothing."""
    # Checked before the unit of work: a bad name refuses the whole change.
    new_province = province if province is KEEP else _province_name(deps, province)
    new_assignee = assignee if assignee is KEEP else _assignee(assignee)
    with deps.uow() as uow:
        case = _get(uow.cases, ref)
        now = deps.clock.now()
        changed = False
        if new_province is not KEEP:
            changed |= case.set_province(new_province, now, actor) is not None
        if new_assignee is not KEEP:
            changed |= case.set_assignee(new_assignee, now, actor) is not None
        if changed:
            uow.commit()
    return case


def _assignee(name: str | None) -> str | None:
    name = (name or "").strip()
    if len(name) > MAX_ASSIGNEE:
        raise InvalidInput(
            Text(
                "负责人名称过长（{n} 个字符，最多 {max} 个）",
                "the assignee's name is too long ({n} characters, at most {max})",
                {"n": len(name), "max": MAX_ASSIGNEE},
            )
        )
    return name or None


@dataclass(frozen=True)
class Handled:
    """One deadline found overdue and acted on: what it was and what followed."""

    ref: str
    kind: str
    rule_key: str
    round: int
    due_at: datetime
    handled_at: datetime
    escalated_to: str | None


@retried
def handle_due_deadlines(
    deps: Deps, now: datetime | None = None, limit: int = 500
) -> list[Handled]:
    """Mark every open deadline due by ``now`` as missed, escalate, and queue the notices.

    One transaction for the batch. It is a compare-and-set through each case's version:
    when two callers (the exact timer and the sweep, or two services) race, the loser's
    commit conflicts, it runs again, finds the deadlines already missed and does nothing,
    so a deadline is never handled twice and never lost.
    """
    now = now or deps.clock.now()
    handled: list[Handled] = []
    with deps.uow() as uow:
        for ref in uow.cases.refs_with_due_deadlines(now, limit):
            case = _get(uow.cases, ref)
            for deadline in [d for d in case.open_deadlines() if d.due_at <= now]:
                if not deadline.is_open:
                    continue  # an earlier miss in this loop escalated and cancelled it
                events = case.miss(deadline, now, deps.planner, deps.ladder)
                rung = next((e.data["rung"] for e in events if e.kind == EventKind.ESCALATED), None)
                item = Handled(
                    ref,
                    deadline.kind.value,
                    deadline.rule_key,
                    deadline.round,
                    deadline.due_at,
                    now,
                    rung,
                )
                handled.append(item)
                uow.outbox.add(
                    Notice(
                        deadline_key(ref, deadline.rule_key, deadline.round, "missed"),
                        NoticeKind.DEADLINE_MISSED,
                        now,
                        ref,
                        payload={
                            "deadline": item.kind,
                            "rule": item.rule_key,
                            "round": item.round,
                            "due_at": item.due_at.isoformat(),
                            "escalated_to": rung,
                        },
                    )
                )
        uow.commit()
    return handled


def next_due_at(deps: Deps) -> datetime | None:
    """When the next open deadline falls due: the background service arms its timer there."""
    with deps.uow() as uow:
        return uow.cases.next_due_at()


def get_case(deps: Deps, ref: str) -> Case:
    with deps.uow() as uow:
        return _get(uow.cases, ref)


def list_cases(deps: Deps, stage: Stage | None = None, overdue: bool = False) -> list[CaseSummary]:
    with deps.uow() as uow:
        return uow.cases.summaries(deps.clock.now(), stage=stage, overdue=overdue)


def all_cases(deps: Deps) -> list[Case]:
    with deps.uow() as uow:
        return [_get(uow.cases, ref) for ref in list(uow.cases.all_refs())]


# --------------------------------------------------------------------------- helpers
def _build(deps: Deps, new: NewCase, ref: str, now: datetime, actor: str | None) -> Case:
    case = Case(
        ref=ref,
        platform=new.platform,
        order_no=new.order_no,
        product=new.product,
        amount=new.amount,
        currency=new.currency,
        channel=new.channel,
        reason=new.reason,
        paid_at=new.paid_at,
        zone=new.zone,
        created_at=now,
        merchant=new.merchant,
        note=new.note,
        usage=new.usage,
        assignee=new.assignee,
        rule_overrides=new.rule_overrides,
        province=_province_name(deps, new.province),
    )
    if new.paid_at > now:
        raise InvalidInput(
            Text(
                "付款时间 {at} 在未来；请检查 --paid-at",
                "the payment time {at} is in the future; check --paid-at",
                {"at": new.paid_at.isoformat()},
            )
        )
    for key in new.rule_overrides:
        deps.planner.plan(case, _kind_for(key), key, now)  # checks key and duration up front
    snapshot = {
        "platform": new.platform,
        "order": new.order_no,
        "product": new.product,
        "amount": str(new.amount),
        "currency": new.currency,
        "channel": new.channel.value,
        "reason": new.reason.value,
        "paid_at": new.paid_at.isoformat(),
        "merchant": new.merchant,
    }
    if case.province:
        snapshot["province"] = case.province
    case.append_event(EventKind.CREATED, now, now, snapshot, actor)
    case.open_first_deadlines(deps.planner, now)
    if new.submitted_at is None:
        case.refund_no = new.refund_no
    else:
        case.record(
            EventInput(EventKind.SUBMITTED, new.submitted_at, refund_no=new.refund_no),
            now,
            deps.planner,
            deps.ladder,
            actor,
        )
    return case


def _province_name(deps: Deps, name: str | None) -> str | None:
    """The table's own name for a province typed as 江苏, 江苏省 or Jiangsu (None: none)."""
    if name is None or not name.strip():
        return None
    return deps.provinces.find(name).name


def _kind_for(key: str) -> DeadlineKind:
    head = key.split(".")[0]
    return DeadlineKind(head) if head in DeadlineKind._value2member_map_ else DeadlineKind.RUNG


_REF = re.compile(r"RF[-\s]?(\d{4})[-\s]?(\d{1,9})", re.IGNORECASE)
"""A case reference as people type it: ``RF-2026-0001``, ``rf-2026-1``, ``RF20260001``."""


def _get(repo: CaseRepository, ref: str) -> Case:
    """The case a user means by ``ref``: its reference (any letter case, with or without the
    leading zeros), or else the order number of exactly one case."""
    typed = ref.strip()
    found = _REF.fullmatch(typed)
    case = repo.get(f"RF-{found[1]}-{int(found[2]):04d}" if found else typed)
    if case is not None:
        return case
    refs = repo.refs_for_order_no(typed) if typed else []
    if len(refs) == 1:
        by_order = repo.get(refs[0])
        if by_order is not None:
            return by_order
    if len(refs) > 1:
        raise NotFound(
            Text(
                "订单号 {order} 有 {n} 个案件：{refs}；请写出要哪一个的案件编号",
                "order {order} has {n} cases: {refs}; give the reference of the one you mean",
                {"order": typed, "n": len(refs), "refs": ", ".join(refs)},
            )
        )
    if found:
        raise NotFound(
            Text(
                "没有编号为 {ref} 的案件；用 refundflow case list 查看全部编号",
                "no case {ref}; see every reference with `refundflow case list`",
                {"ref": typed},
            )
        )
    raise NotFound(
        Text(
            "没有编号或订单号为 {ref} 的案件；用 refundflow case list 查看全部编号",
            "no case {ref} (neither a reference nor an order number); see every reference "
            "with `refundflow case list`",
            {"ref": typed},
        )
    )


def _refuse_duplicates(repo: CaseRepository, rows: list[NewCase], force: bool) -> None:
    """Refuse rows that would make a second live application for an order (多头申请)."""
    if force:
        return
    pairs = [(row.platform, row.order_no) for row in rows if row.submitted_at is not None]
    live = repo.live_applications_for(pairs)
    seen: set[tuple[str, str]] = set()
    for pair in pairs:
        if pair in live:
            _refuse_live(pair[1], live[pair])
        if pair in seen:
            raise Conflict(
                Text(
                    "订单 {order} 在文件中有两行都已提交申请；请只保留一行，或加 --force",
                    "order {order} has two submitted rows in the file; keep one, or add --force",
                    {"order": pair[1]},
                )
            )
        seen.add(pair)


def _refuse_blocked_rung(deps: Deps, case: Case, what: EventInput) -> None:
    """Warn before the user steps onto a rung that will refuse the case (RULES.md §5)."""
    target = deps.ladder.is_rung(what.rung) if what.rung else deps.ladder.next_rung_key(case)
    if target is None:
        return
    reasons = deps.ladder.blocking_traps(case, target, what.at)
    if reasons:
        raise TransitionRefused(
            Text(
                "{ref} 不宜进入“{rung}”：{why}如确需记录，请加 --force。",
                "{ref} should not step onto {rung}: {why} Add --force to record it anyway.",
                {"ref": case.ref, "rung": target, "why": join(reasons, "", " ")},
            )
        )


def _refuse_live(order_no: str, others: list[str]) -> None:
    if others:
        raise Conflict(
            Text(
                "订单 {order} 已有进行中的退款申请（{refs}）；多头申请会拖慢处理。"
                "请在原申请上跟进；确需重复申请请加 --force",
                "order {order} already has a live refund application ({refs}); two applications "
                "slow both down. Follow up on that one, or add --force if you really mean it",
                {"order": order_no, "refs": ", ".join(others)},
            )
        )


def _year(now: datetime, zone: str) -> int:
    from zoneinfo import ZoneInfo

    return now.astimezone(ZoneInfo(zone)).year


def verify_case(deps: Deps, ref: str) -> Verification:
    """Check a case's timeline chain and evidence files (``case verify``)."""
    with deps.uow() as uow:
        return verify(_get(uow.cases, ref), deps.files)
