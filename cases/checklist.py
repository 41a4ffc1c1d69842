"""What evidence each reason and each rung needs, and what a case still lacks (RULES.md §2).

The guides insist a bundle is read in one order, purchase proof → promise evidence →
problem proof → communications (seed 004), so :data:`EVIDENCE_ORDER` is that order, and
:func:`ordered` sorts a case's evidence by it (then by capture time).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cases.i18n import Text
from cases.model import Case, Evidence
from cases.vocabulary import EvidenceKind, Reason

EVIDENCE_ORDER: tuple[EvidenceKind, ...] = (
    EvidenceKind.PURCHASE,
    EvidenceKind.PROMISE,
    EvidenceKind.PROBLEM,
    EvidenceKind.COMMUNICATION,
    EvidenceKind.USAGE,
    EvidenceKind.OTHER,
)


def ordered(items: Iterable[Evidence]) -> list[Evidence]:
    """Evidence in the order a reviewer reads it; within a kind, oldest capture first."""
    rank = {kind: n for n, kind in enumerate(EVIDENCE_ORDER)}
    return sorted(items, key=lambda e: (rank[e.kind], e.captured_at, e.original_name))


@dataclass(frozen=True)
class Need:
    """One kind of evidence a step needs, and what that means concretely."""

    kind: EvidenceKind
    what: Text


@dataclass(frozen=True)
class Check:
    need: Need
    have: int

    @property
    def missing(self) -> bool:
        return self.have == 0


_PURCHASE = Need(EvidenceKind.PURCHASE, Text(
    "订单截图和付款记录（能看到订单号、时间、金额）",
    "order screenshot and payment record (showing order number, time and amount)"))
_BOTH_PAYMENTS = Need(EvidenceKind.PURCHASE, Text(
    "两笔付款记录（重复扣款或扣错的金额）", "both payment records (the duplicate or wrong charge)"))
_PROMISE = Need(EvidenceKind.PROMISE, Text(
    "商品页面、广告或客服承诺的截图", "screenshots of the product page, advert or chat promise"))
_PERMANENT = Need(EvidenceKind.PROMISE, Text(
    "“永久/终身”承诺的截图（商品页面或聊天记录）",
    "the 'permanent/lifetime' promise (product page or chat)"))
_NOT_ACTIVATED = Need(EvidenceKind.PROBLEM, Text(
    "未激活的证明（会员页面、卡密未兑换）",
    "proof of non-activation (member page, card key unused)"))
_MISMATCH = Need(EvidenceKind.PROBLEM, Text(
    "实际服务的截图或录屏", "screenshots or a recording of the service actually delivered"))
_FAULT = Need(EvidenceKind.PROBLEM, Text(
    "故障截图和故障发生时间", "screenshots of the fault and when it happened"))
_GONE = Need(EvidenceKind.PROBLEM, Text(
    "网页快照、域名/ICP 备案和企业信用公示信息",
    "page snapshots, domain/ICP filing and enterprise-credit record"))
_ENDED = Need(EvidenceKind.PROBLEM, Text(
    "服务已终止的证明", "proof that the service has ended"))
_USAGE = Need(EvidenceKind.USAGE, Text(
    "使用记录和未使用权益清单", "usage record and the list of unused benefits"))
_CS = Need(EvidenceKind.COMMUNICATION, Text(
    "与客服的沟通记录（含工单号）", "customer-service conversations (with ticket numbers)"))
_ACK = Need(EvidenceKind.COMMUNICATION, Text(
    "客服确认故障的记录", "customer service acknowledging the fault"))
_REFUSAL = Need(EvidenceKind.COMMUNICATION, Text(
    "商家或平台拒绝、驳回退款的记录", "the merchant's or platform's refusal"))

BY_REASON: dict[Reason, tuple[Need, ...]] = {
    Reason.NOT_ACTIVATED: (_PURCHASE, _NOT_ACTIVATED),
    Reason.NOT_AS_DESCRIBED: (_PURCHASE, _PROMISE, _MISMATCH),
    Reason.DUPLICATE_PAYMENT: (_BOTH_PAYMENTS,),
    Reason.PLATFORM_FAULT: (_PURCHASE, _FAULT, _ACK),
    Reason.PLATFORM_GONE: (_PURCHASE, _GONE),
    Reason.FALSE_PROMISE: (_PURCHASE, _PERMANENT, _ENDED),
    Reason.MISTAKEN_PURCHASE: (_PURCHASE,),
    Reason.PARTLY_USED: (_PURCHASE, _USAGE),
    Reason.OTHER: (_PURCHASE,),
}
"""Evidence that carries each reason (RULES.md §2, right-hand column)."""

BY_RUNG: dict[str, tuple[Need, ...]] = {
    "merchant_cs": (),
    "refund_application": (),
    "platform_arbitration": (_REFUSAL,),
    "samr_12315": (_CS,),
    "complaint_sites": (_CS,),
    "payment_dispute": (_REFUSAL,),
    "police": (_CS,),
    "court": (_CS,),
}
"""What each rung adds: from the appeal on, proof that the platform was asked and refused."""


def needs(reason: Reason, rung_key: str) -> list[Need]:
    """The evidence the step at ``rung_key`` needs for a case of ``reason``, one per kind."""
    found: list[Need] = []
    for need in (*BY_REASON[reason], *BY_RUNG.get(rung_key, ())):
        if need.kind not in {n.kind for n in found}:
            found.append(need)
    return found


def checklist(case: Case, rung_key: str) -> list[Check]:
    """Each needed kind with how many files of it the case holds (0: still missing)."""
    return [
        Check(need, sum(1 for e in case.evidence if e.kind == need.kind))
        for need in needs(case.reason, rung_key)
    ]
