"""The words of the domain: channels, reasons, evidence kinds, stages, events, deadlines.

Each value is what scripts type (``--channel alipay``) and what the store keeps; each
has a label in both languages for people.
"""

from __future__ import annotations

import functools
import re
from enum import StrEnum

from cases.i18n import LANGS, Lang, Text


class Labeled(StrEnum):
    """An enum whose members carry a Chinese and an English label."""

    def label(self, lang: Lang) -> str:
        return self.text().render(lang)

    def text(self) -> Text:
        # Keyed by class too: Stage.SUBMITTED == EventKind.SUBMITTED as strings.
        return LABELS[(type(self), self.value)]

    @classmethod
    def parse(cls, value: str) -> Labeled:
        """Accept the value, its label in either language, or a hyphenated spelling."""
        wanted = value.strip().lower().replace("-", "_").replace(" ", "_")
        member = cls._value2member_map_.get(wanted)
        if member is None:
            member = _label_index(cls).get(value.strip().lower())
        if member is None:
            raise ValueError(value)
        return member  # type: ignore[return-value]


_QUOTED = re.compile(r"[“”'\"]")
"""A label with quotes (虚假“永久/终身”承诺) is one name, its slash inside the quotes."""


@functools.cache
def _label_index(cls: type[Labeled]) -> dict[str, Labeled]:
    """Every member's zh and en label, lower-cased, built once per enum; and each half of a
    label that names two things (``未激活/未使用``: ``未激活``, ``未使用``), and the short names
    people use (``微信``), as long as no other member of the enum claims the same words."""
    index = {member.label(lang).lower(): member for member in cls for lang in LANGS}
    claims: dict[str, set[Labeled]] = {}
    for member in cls:
        labels = [member.label(lang).lower() for lang in LANGS]
        names = [part for label in labels if not _QUOTED.search(label) for part in label.split("/")]
        for name in (*names, *SHORT_NAMES.get(member, ())):
            claims.setdefault(name.strip(), set()).add(member)
    for name, members in claims.items():
        if name and len(members) == 1 and name not in index:
            index[name] = members.pop()
    return index


class Channel(Labeled):
    ALIPAY = "alipay"
    WECHAT = "wechat"
    BANK_CARD = "bank_card"
    CREDIT_CARD = "credit_card"
    OTHER = "other"


class Reason(Labeled):
    NOT_ACTIVATED = "not_activated"
    NOT_AS_DESCRIBED = "not_as_described"
    DUPLICATE_PAYMENT = "duplicate_payment"
    PLATFORM_FAULT = "platform_fault"
    PLATFORM_GONE = "platform_gone"
    FALSE_PROMISE = "false_promise"
    MISTAKEN_PURCHASE = "mistaken_purchase"
    PARTLY_USED = "partly_used"
    OTHER = "other"


class EvidenceKind(Labeled):
    PURCHASE = "purchase"
    PROMISE = "promise"
    PROBLEM = "problem"
    COMMUNICATION = "communication"
    USAGE = "usage"
    OTHER = "other"


class Stage(Labeled):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    APPROVED = "approved"
    ARRIVED = "arrived"
    REJECTED = "rejected"
    ESCALATED = "escalated"
    CLOSED = "closed"


class EventKind(Labeled):
    """What a user records (the first nine) and what refundflow records itself."""

    SUBMITTED = "submitted"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    SUPPLEMENTED = "supplemented"
    APPROVED = "approved"
    REJECTED = "rejected"
    ARRIVED = "arrived"
    ESCALATED = "escalated"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"
    CREATED = "created"
    EVIDENCE_ADDED = "evidence_added"
    RULE_CHANGED = "rule_changed"
    PROVINCE_CHANGED = "province_changed"
    ASSIGNEE_CHANGED = "assignee_changed"
    DEADLINE_MISSED = "deadline_missed"


USER_EVENTS: tuple[EventKind, ...] = tuple(EventKind)[:9]


class DeadlineKind(Labeled):
    WINDOW = "window"
    REVIEW = "review"
    SUPPLEMENT = "supplement"
    ARRIVAL = "arrival"
    CS_REPLY = "cs_reply"
    ESCALATE = "escalate"
    RUNG = "rung"


class DeadlineStatus(Labeled):
    OPEN = "open"
    MET = "met"
    MISSED = "missed"
    CANCELLED = "cancelled"


LIVE_STAGES = frozenset({Stage.SUBMITTED, Stage.SUPPLEMENT_REQUESTED, Stage.APPROVED})
"""Stages in which a refund application is pending at the platform."""

_LABELS: list[dict[Labeled, Text]] = [
    {
        Channel.ALIPAY: Text("支付宝", "Alipay"),
        Channel.WECHAT: Text("微信支付", "WeChat Pay"),
        Channel.BANK_CARD: Text("银行卡", "bank card"),
        Channel.CREDIT_CARD: Text("信用卡", "credit card"),
        Channel.OTHER: Text("其他", "other"),
    },
    {
        Reason.NOT_ACTIVATED: Text("未激活/未使用", "not activated / unused"),
        Reason.NOT_AS_DESCRIBED: Text("与描述不符", "not as described"),
        Reason.DUPLICATE_PAYMENT: Text("重复支付/金额错误", "duplicate payment / wrong amount"),
        Reason.PLATFORM_FAULT: Text("平台系统故障", "platform fault"),
        Reason.PLATFORM_GONE: Text("平台跑路/失联", "platform shut down / unreachable"),
        Reason.FALSE_PROMISE: Text("虚假“永久/终身”承诺", "false 'permanent' promise"),
        Reason.MISTAKEN_PURCHASE: Text("误购", "mistaken purchase"),
        Reason.PARTLY_USED: Text("部分使用", "partly used"),
        Reason.OTHER: Text("其他原因", "other reason"),
    },
    {
        EvidenceKind.PURCHASE: Text("购买凭证", "purchase proof"),
        EvidenceKind.PROMISE: Text("宣传承诺证据", "promise evidence"),
        EvidenceKind.PROBLEM: Text("问题证明", "problem proof"),
        EvidenceKind.COMMUNICATION: Text("沟通记录", "communication record"),
        EvidenceKind.USAGE: Text("使用记录", "usage record"),
        EvidenceKind.OTHER: Text("其他材料", "other material"),
    },
    {
        Stage.DRAFT: Text("草稿", "draft"),
        Stage.SUBMITTED: Text("等待审核", "awaiting review"),
        Stage.SUPPLEMENT_REQUESTED: Text("待补充材料", "supplement requested"),
        Stage.APPROVED: Text("已同意，等待到账", "approved, awaiting arrival"),
        Stage.ARRIVED: Text("退款已到账", "refund arrived"),
        Stage.REJECTED: Text("被驳回", "rejected"),
        Stage.ESCALATED: Text("升级维权中", "escalated"),
        Stage.CLOSED: Text("已结案", "closed"),
    },
    {
        EventKind.SUBMITTED: Text("已提交退款申请", "refund application submitted"),
        EventKind.SUPPLEMENT_REQUESTED: Text(
            "平台要求补充材料", "platform asked for more material"
        ),
        EventKind.SUPPLEMENTED: Text("已补充材料", "material supplemented"),
        EventKind.APPROVED: Text("平台同意退款", "refund approved"),
        EventKind.REJECTED: Text("平台驳回退款", "refund rejected"),
        EventKind.ARRIVED: Text("退款到账", "money arrived"),
        EventKind.ESCALATED: Text("升级维权", "escalated"),
        EventKind.WITHDRAWN: Text("撤回申请", "withdrawn"),
        EventKind.CLOSED: Text("结案", "closed"),
        EventKind.CREATED: Text("建立案件", "case created"),
        EventKind.EVIDENCE_ADDED: Text("添加证据", "evidence added"),
        EventKind.RULE_CHANGED: Text("修改期限规则", "deadline rule changed"),
        EventKind.PROVINCE_CHANGED: Text("修改所在省份", "province changed"),
        EventKind.ASSIGNEE_CHANGED: Text("更换负责人", "assignee changed"),
        EventKind.DEADLINE_MISSED: Text("期限已过", "deadline missed"),
    },
    {
        DeadlineKind.WINDOW: Text("无理由退款窗口", "no-reason refund window"),
        DeadlineKind.REVIEW: Text("平台审核", "platform review"),
        DeadlineKind.SUPPLEMENT: Text("补充材料", "supplement material"),
        DeadlineKind.ARRIVAL: Text("退款到账", "refund arrival"),
        DeadlineKind.CS_REPLY: Text("客服答复", "customer-service reply"),
        DeadlineKind.ESCALATE: Text("提交下一级投诉", "file at the next rung"),
        DeadlineKind.RUNG: Text("投诉渠道答复", "answer at this rung"),
    },
    {
        DeadlineStatus.OPEN: Text("进行中", "open"),
        DeadlineStatus.MET: Text("已完成", "met"),
        DeadlineStatus.MISSED: Text("已逾期", "missed"),
        DeadlineStatus.CANCELLED: Text("已取消", "cancelled"),
    },
]

SHORT_NAMES: dict[Labeled, tuple[str, ...]] = {
    Channel.WECHAT: ("微信", "wechat pay"),
    Channel.BANK_CARD: ("储蓄卡", "借记卡", "debit card"),
    Reason.PLATFORM_GONE: ("跑路",),
    Reason.FALSE_PROMISE: ("虚假承诺", "false promise"),
    Reason.OTHER: ("其他",),
    EvidenceKind.OTHER: ("其他",),
}
"""What people call a member besides its labels (accepted when typed, never shown)."""

LABELS: dict[tuple[type, str], Text] = {}
for _group in _LABELS:
    for _member, _text in _group.items():
        LABELS[(type(_member), _member.value)] = _text
