"""The escalation ladder (RULES.md §5) as data, and the traps on each rung.

Order matters: 12315 refuses a dispute a court, arbitration body or consumer
association has already taken, and some doors close with time (3-year limitation,
120-day chargeback). So the ladder is a fixed sequence of :class:`Rung` records, and
:func:`traps` says, for one rung and one case, what will be refused ("block") or what
the user should know before filing ("warn"). Each rung names where its numbers come
from: seed (the guides: practice, not law), law, or unverified.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from cases.eligibility import format_money
from cases.i18n import InvalidInput, Text, join
from cases.vocabulary import Channel, Reason


@dataclass(frozen=True)
class Rung:
    """One place to take the dispute: who, what to send, when it applies, on what authority."""

    key: str
    order: int
    name: Text
    to_whom: Text
    send: Text
    entry: Text
    clock_key: str
    source: Text


def _rung(order: int, key: str, *texts: tuple[str, str]) -> Rung:
    name, to_whom, send, entry, source = (Text(zh, en) for zh, en in texts)
    return Rung(key, order, name, to_whom, send, entry, f"rung.{key}", source)


RUNGS: tuple[Rung, ...] = (
    _rung(1, "merchant_cs",
        ("商家客服", "Merchant customer service"),
        ("平台内置的在线客服（不要私下加微信/QQ）",
         "the platform's own chat (never private WeChat/QQ)"),
        ("订单号、问题经过、截图和退款诉求，请对方 48 小时内答复，并记下工单号",
         "order number, what happened, screenshots and the refund asked for; ask for an answer "
         "within 48 hours and note the ticket number"),
        ("第一步，发现问题后即可联系", "the first step, as soon as the problem is found"),
        ("维权指南（经验做法）：48 小时内答复，拖延超过 3 个工作日即升级",
         "guides (practice): answer within 48 h; escalate after 3 working days of stalling")),
    _rung(2, "refund_application",
        ("平台退款申请", "Refund application on the platform"),
        ("平台订单页：订单 → 申请售后/退款",
         "the platform's order page: Order → After-sales / Refund"),
        ("退款原因和证据（购买凭证 → 宣传承诺 → 问题证明），保存退款编号",
         "the reason and the evidence (purchase proof → promise → problem proof); keep the "
         "refund number"),
        ("客服拒绝，或拖延超过 3 个工作日",
         "customer service refused, or stalled over 3 working days"),
        ("维权指南（经验做法）：审核 1-3 个工作日",
         "guides (practice): review in 1-3 working days")),
    _rung(3, "platform_arbitration",
        ("平台介入/仲裁", "Platform intervention / arbitration"),
        ("平台的高级客服、投诉通道或仲裁部门", "the platform's senior support, complaints or "
         "arbitration team"),
        ("书面申诉，附完整证据包和驳回理由", "a written appeal with the full evidence bundle "
         "and the refusal"),
        ("退款申请被驳回，或审核逾期",
         "the refund application was refused or not reviewed in time"),
        ("维权指南（经验做法）", "guides (practice)")),
    _rung(4, "samr_12315",
        ("12315 投诉", "12315 complaint (SAMR)"),
        ("全国 12315 平台（网站、APP 或小程序），由经营者所在地市场监管部门处理",
         "the national 12315 platform (web, app or mini-program), handled by the market "
         "regulator where the business is registered"),
        ("投诉人和被投诉人信息、诉求、事实经过和证据；委托维权团队代办需授权委托书",
         "your details and the business's, what you ask, the facts and the evidence; an agent "
         "needs a power of attorney"),
        ("平台内部渠道无果；法院、仲裁机构或消协尚未受理；知道权益受损起未满 3 年",
         "the platform's own channels failed; no court, arbitration body or consumer "
         "association has taken the dispute; under 3 years since the harm was known"),
        ("法律：《市场监督管理投诉举报处理暂行办法》第九至十一条、"
         "第十四条（7 个工作日内决定受理）、第十五条、"
         "第二十一条（受理后 45 个工作日未达成协议即终止调解）；"
         "ODR 企业 10 个工作日内协商（未核实）",
         "law: SAMR Complaint Measures Arts. 9-11, 14 (acceptance within 7 working days), 15, "
         "21 (mediation ends 45 working days after acceptance); ODR companies negotiate within "
         "10 working days (unverified)")),
    _rung(5, "complaint_sites",
        ("第三方投诉平台", "Third-party complaint sites"),
        ("黑猫投诉、聚投诉", "Heimao Tousu (黑猫投诉), Jutousu (聚投诉)"),
        ("只写事实和诉求，附证据，不夸大", "the facts and the claim with evidence, "
         "no exaggeration"),
        ("平台拒绝或拖延，需要公开施压",
         "the platform refuses or stalls and public pressure may help"),
        ("维权指南（经验做法）", "guides (practice)")),
    _rung(6, "payment_dispute",
        ("支付渠道争议", "Payment-channel dispute"),
        ("支付宝/微信的交易投诉，或发卡银行（拒付、止付）",
         "Alipay/WeChat Pay transaction complaint, or the card issuer (chargeback, stop-payment)"),
        ("付款记录、订单、沟通记录和商家拒绝退款的证据",
         "the payment record, the order, the conversations and proof the merchant refused"),
        ("商家和平台都不退款，或平台失联", "neither merchant nor platform refunds, or the "
         "platform vanished"),
        ("微信小程序投诉在“待商家处理/待补充凭证”状态 48 小时后失效（平台规则，2024-03-25）；"
         "信用卡拒付 120 天（Visa/Mastercard，未核实）；银行止付（维权指南）",
         "WeChat mini-program complaints expire after 48 h awaiting the merchant or proof "
         "(platform rule of 2024-03-25); card chargeback within 120 days (Visa/Mastercard, "
         "unverified); bank stop-payment (guides)")),
    _rung(7, "police",
        ("公安机关报案", "Police report"),
        ("当地派出所、110 或公安网上报案平台", "the local police station, 110 or the police's "
         "online reporting site"),
        ("平台网址、商家信息、订单、付款凭证、聊天记录；能联合其他受害者更好",
         "the site address, merchant details, orders, payment records and chats; together "
         "with other victims if possible"),
        ("平台跑路或很可能是诈骗", "the platform vanished or fraud is likely"),
        ("法律：2011 年两高诈骗案件司法解释，“数额较大”为 3,000-10,000 元，由各省确定；"
         "维权指南称 2,000 元",
         "law: 2011 SPC/SPP fraud interpretation, 'large amount' ¥3,000-10,000 set per "
         "province; the guides say ¥2,000")),
    _rung(8, "court",
        ("法院起诉", "Lawsuit in court"),
        ("经营者所在地或合同履行地的基层人民法院（可网上立案）",
         "the basic people's court where the business is or the contract was performed "
         "(online filing possible)"),
        ("起诉状、证据清单和证据、被告的主体信息（企业信用公示查询）",
         "the statement of claim, the evidence and its list, the defendant's registration "
         "details (enterprise-credit lookup)"),
        ("其他途径无果；知道权益受损起未满 3 年", "other routes failed; under 3 years since "
         "the harm was known"),
        ("法律：《民事诉讼法》（2023）第一百六十五条小额诉讼；《民法典》第一百八十八条三年诉讼时效；"
         "维权指南：超过 5,000 元可考虑起诉",
         "law: Civil Procedure Law (2023) Art. 165 small claims; Civil Code Art. 188 3-year "
         "limitation; guides: consider suing over ¥5,000")),
)
OUTSIDE_FILINGS = ("consumer_association", "court", "arbitration")
"""Pseudo-keys in ``LadderFacts.filed`` for filings made outside refundflow."""


def rung(key: str) -> Rung:
    """Find a rung by key (``samr_12315``) or by its Chinese or English name."""
    wanted = key.strip().lower()
    for candidate in RUNGS:
        names = (candidate.name.zh.lower(), candidate.name.en.lower())
        if wanted.replace("-", "_") == candidate.key or wanted in names:
            return candidate
    raise InvalidInput(Text(
        "维权阶梯中没有“{key}”这一级：可选 {keys}。",
        "There is no rung called '{key}': choose one of {keys}.",
    ).format(key=key, keys=", ".join(r.key for r in RUNGS)))


@dataclass(frozen=True)
class LadderFacts:
    """What the ladder needs to know about a case (money as ``Decimal``, times aware)."""

    reason: Reason
    amount: Decimal
    currency: str
    channel: Channel
    paid_at: datetime
    harm_known_at: datetime
    filed: Mapping[str, datetime]
    live_applications: int = 0
    province: str | None = None

    def __post_init__(self) -> None:
        valid = {r.key for r in RUNGS} | set(OUTSIDE_FILINGS)
        unknown = sorted(set(self.filed) - valid)
        if unknown:
            raise InvalidInput(Text(
                "无法识别的已投诉渠道 {unknown}：可用 {valid}。",
                "Unknown filing {unknown}: use one of {valid}.",
            ).format(unknown=", ".join(unknown), valid=", ".join(sorted(valid))))
        times = [self.paid_at, self.harm_known_at, *self.filed.values()]
        if any(t.tzinfo is None or t.utcoffset() is None for t in times):
            raise InvalidInput(Text(
                "时间缺少时区：请写成 2026-05-01 14:30+08:00 这样带时区的时间。",
                "A time has no time zone: give it as 2026-05-01 14:30+08:00.",
            ))
        if self.amount < 0 or self.live_applications < 0:
            raise InvalidInput(Text(
                "金额和进行中的申请数都不能为负数。",
                "Neither the amount nor the number of live applications can be negative.",
            ))


@dataclass(frozen=True)
class Trap:
    """A reason a rung will refuse the case ("block") or a caution before filing ("warn")."""

    key: str
    severity: str
    text: Text


@dataclass(frozen=True)
class TrapLimits:
    """The numbers behind the traps; defaults from RULES.md, overridable per case."""

    limitation_years: int = 3  # SAMR Art. 15(4); Civil Code Art. 188 (law)
    limitation_warn: timedelta = timedelta(days=90)
    chargeback: timedelta = timedelta(days=120)  # Visa/Mastercard (unverified)
    chargeback_warn: timedelta = timedelta(days=20)
    fraud_low: Decimal = Decimal(3000)  # 2011 SPC/SPP interpretation (law)
    fraud_high: Decimal = Decimal(10000)
    court_suggested: Decimal = Decimal(5000)  # the guides (seed)
    small_claims_cap: Decimal | None = None  # 50 % of the province's average wage (law)


POLICE_REASONS = frozenset({Reason.PLATFORM_GONE, Reason.FALSE_PROMISE})


def next_rung(current: str | None, facts: LadderFacts) -> Rung | None:
    """The rung to climb after ``current`` (None: the first), or None after the court.

    The police come in only where the platform vanished or a false promise makes fraud
    likely; otherwise that rung is skipped.
    """
    after = 0 if current is None else rung(current).order
    for candidate in RUNGS[after:]:
        if candidate.key == "police" and facts.reason not in POLICE_REASONS:
            continue
        return candidate
    return None


def _whole_yuan(amount: Decimal) -> str:
    """A threshold as people write it: ``¥3,000`` (cents only when there are any)."""
    return f"¥{amount:,.0f}" if amount == amount.to_integral_value() else f"¥{amount:,.2f}"


def _is_cny(currency: str) -> bool:
    return currency.strip().upper() in ("CNY", "RMB")


def _years_later(start: date, years: int) -> date:
    """Civil Code Art. 202: the same day ``years`` on, or the month's end if there is none."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def _limitation_end(facts: LadderFacts, years: int) -> tuple[datetime, date]:
    """When the period ends (24:00 of its last day, Civil Code Arts. 201-203), and that day.

    Counted in the zone of ``harm_known_at``: pass it in the case's zone.
    """
    last = _years_later(facts.harm_known_at.date(), years)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=facts.harm_known_at.tzinfo)
    return end, last


def traps(
    rung_key: str, facts: LadderFacts, now: datetime, limits: TrapLimits | None = None
) -> list[Trap]:
    """What will be refused at this rung, or needs care, for this case at ``now``."""
    key = rung(rung_key).key
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidInput(Text("当前时间缺少时区。", "The current time has no time zone."))
    lim = limits or TrapLimits()
    found: list[Trap] = []
    if key == "samr_12315":
        taken = [k for k in OUTSIDE_FILINGS if k in facts.filed]
        if taken:
            found.append(Trap("samr_already_taken", "block", _ALREADY_TAKEN.format(
                bodies=join([_BODY_NAMES[k] for k in taken], "、", " and "))))
    if key in ("samr_12315", "court"):
        end, last = _limitation_end(facts, lim.limitation_years)
        words = {"last": last.isoformat(), "years": lim.limitation_years}
        if now >= end:
            found.append(Trap("limitation_expired", "block", _EXPIRED[key].format(**words)))
        elif now >= end - lim.limitation_warn:
            found.append(Trap("limitation_near", "warn", _NEAR.format(**words)))
    if key == "payment_dispute" and facts.channel in (Channel.CREDIT_CARD, Channel.BANK_CARD):
        end = facts.paid_at + lim.chargeback
        words = {"days": lim.chargeback.days, "last": end.date().isoformat()}
        if now > end:
            found.append(Trap("chargeback_expired", "block", _CHARGEBACK_GONE.format(**words)))
        elif now >= end - lim.chargeback_warn:
            found.append(Trap("chargeback_near", "warn", _CHARGEBACK_NEAR.format(**words)))
    if key == "payment_dispute" and facts.channel is Channel.WECHAT:
        found.append(Trap("wechat_48h", "warn", _WECHAT_48H))
    if key == "police":
        found.extend(_police(facts, lim))
    if key == "court":
        found.extend(_court(facts, lim))
    if facts.live_applications > 0:
        found.append(Trap("multiple_applications", "warn", _MULTIPLE.format(
            n=facts.live_applications)))
    return found


def _police(facts: LadderFacts, lim: TrapLimits) -> list[Trap]:
    amount = format_money(facts.amount, facts.currency)
    if _is_cny(facts.currency) and facts.amount >= lim.fraud_high:
        return []
    below = _is_cny(facts.currency) and facts.amount < lim.fraud_low
    text = (_BELOW_EVERYWHERE if below else _MAYBE_BELOW).format(
        amount=amount,
        low=_whole_yuan(lim.fraud_low),
        high=_whole_yuan(lim.fraud_high),
    )
    return [Trap("police_threshold", "warn", text)]


def _court(facts: LadderFacts, lim: TrapLimits) -> list[Trap]:
    found: list[Trap] = []
    where = Text("你所在省份", "your province")
    if facts.province:
        where = Text("{p}", "{p}").format(p=facts.province)
    cap = lim.small_claims_cap
    if cap is None:
        found.append(Trap("small_claims_cap", "warn", _CAP_UNKNOWN.format(where=where)))
    elif facts.amount > cap:
        found.append(Trap("small_claims_cap", "warn", _CAP_EXCEEDED.format(
            where=where, cap=_whole_yuan(cap))))
    if not _is_cny(facts.currency) or facts.amount < lim.court_suggested:
        found.append(Trap("court_small_amount", "warn", _SMALL_AMOUNT.format(
            amount=format_money(facts.amount, facts.currency),
            suggested=_whole_yuan(lim.court_suggested))))
    return found


_BODY_NAMES = {
    "consumer_association": Text("消费者协会", "a consumer association"),
    "court": Text("法院", "a court"),
    "arbitration": Text("仲裁机构", "an arbitration body"),
}


_ALREADY_TAKEN = Text(
    "这一争议已由{bodies}受理，12315 不会再受理（《市场监督管理投诉举报处理暂行办法》第十五条"
    "第二项）：请在已受理的渠道继续跟进；如果那边并未受理，先删除这条记录再投诉。",
    "This dispute is already with {bodies}, so 12315 will not accept it (SAMR Complaint "
    "Measures Art. 15(2)): follow it up there; if it was in fact not accepted, remove that "
    "filing first.",
)
_EXPIRED = {
    "samr_12315": Text(
        "距知道权益受损已超过 {years} 年（最后一天为 {last}），12315 不予受理（《市场监督管理投诉"
        "举报处理暂行办法》第十五条第四项）。如果知道受损的日期记错了，请更正后再看。",
        "More than {years} years have passed since the harm was known (the last day was "
        "{last}), so 12315 will not accept the complaint (SAMR Complaint Measures Art. 15(4)). "
        "If the date the harm was known is wrong, correct it.",
    ),
    "court": Text(
        "诉讼时效 {years} 年已过（最后一天为 {last}，《民法典》第一百八十八条），商家可以拒绝履行。"
        "如果期间你向商家或平台书面要求过退款，时效从最后一次要求起重新计算（第一百九十五条），"
        "请据此更正知道受损的日期。",
        "The {years}-year limitation has run out (the last day was {last}, Civil Code "
        "Art. 188), so the merchant may refuse to pay. If you demanded the refund from the "
        "merchant or platform in writing meanwhile, the period restarted from the last demand "
        "(Art. 195): correct the date accordingly.",
    ),
}
_NEAR = Text(
    "{years} 年期限将在 {last} 届满：请在此之前提交，逾期可能被拒。",
    "The {years}-year period ends on {last}: file before then, or it may be refused.",
)
_CHARGEBACK_GONE = Text(
    "付款已超过 {days} 天（截止日为 {last}），发卡行通常不再受理拒付（卡组织规则，未核实）："
    "请向发卡行确认，或改走 12315、报案等其他途径。",
    "More than {days} days have passed since payment (the window ended {last}), so the issuer "
    "will usually refuse a chargeback (card-network rule, unverified): check with the "
    "issuer, or take another route such as 12315 or the police.",
)
_CHARGEBACK_NEAR = Text(
    "信用卡/银行卡拒付一般须在付款后 {days} 天内提出（截至 {last}，未核实）：请尽快联系发卡行。",
    "A card chargeback is usually possible only within {days} days of payment (until {last}, "
    "unverified): contact the card issuer now.",
)
_WECHAT_48H = Text(
    "微信支付的投诉在“待商家处理”或“待补充凭证”状态停留 48 小时后会自动失效"
    "（2024-03-25 起的平台规则）：提交后请每天查看，及时补充凭证。",
    "A WeChat Pay complaint left 48 hours in 'awaiting merchant' or 'awaiting proof' expires "
    "on its own (platform rule since 2024-03-25): check it daily and add proof promptly.",
)
_BELOW_EVERYWHERE = Text(
    "金额 {amount} 低于各省诈骗罪“数额较大”的起点（{low} 至 {high}，2011 年两高司法解释；"
    "维权指南称 2,000 元），公安机关可能不作为刑事案件立案。如果平台已跑路，仍应报案，"
    "最好联合其他受害者一起报案。",
    "{amount} is below the fraud 'large amount' threshold in every province ({low} to {high}, "
    "2011 SPC/SPP interpretation; the guides say ¥2,000), so the police may not open a "
    "criminal case. If the platform vanished, report it anyway, ideally with other victims.",
)
_MAYBE_BELOW = Text(
    "金额 {amount} 可能低于你所在省份诈骗罪“数额较大”的起点（各省在 {low} 至 {high} 之间确定，"
    "2011 年两高司法解释），公安机关可能不作为刑事案件立案。如果平台已跑路，仍应报案，"
    "最好联合其他受害者一起报案。",
    "{amount} may be below your province's fraud 'large amount' threshold (set between {low} "
    "and {high}, 2011 SPC/SPP interpretation), so the police may not open a criminal case. "
    "If the platform vanished, report it anyway, ideally with other victims.",
)
_CAP_UNKNOWN = Text(
    "小额诉讼的上限是{where}上一年度就业人员年平均工资的 50%（《民事诉讼法》第一百六十五条），"
    "各省不同：请查到该数字后再决定走小额诉讼还是普通程序。",
    "The small-claims cap is 50 % of {where}'s previous-year average wage (Civil Procedure Law "
    "Art. 165) and differs by province: look the figure up before choosing small claims or "
    "the ordinary procedure.",
)
_CAP_EXCEEDED = Text(
    "金额超过{where}的小额诉讼上限 {cap}（《民事诉讼法》第一百六十五条），将适用普通程序，"
    "耗时更长：可考虑只主张上限内的金额，或做好普通程序的准备。",
    "The amount is above {where}'s small-claims cap of {cap} (Civil Procedure Law Art. 165), "
    "so the ordinary procedure applies and takes longer: claim within the cap, or prepare "
    "for the ordinary procedure.",
)
_SMALL_AMOUNT = Text(
    "维权指南建议金额超过 {suggested} 时再考虑起诉；{amount} 的案件要权衡时间和费用，"
    "小额诉讼费用低、审理快，仍可以考虑。",
    "The guides suggest suing mainly above {suggested}; for {amount}, weigh the time and "
    "cost, though small claims are cheap and quick.",
)
_MULTIPLE = Text(
    "这个订单还有 {n} 个进行中的退款申请。多头申请会让审核重复、拖慢每一个申请："
    "保留一个渠道，撤回其他申请后再在这里提交。",
    "This order has {n} other live refund application(s). Parallel applications slow every "
    "one of them down: keep one channel and withdraw the others before filing here.",
)


def general_warnings() -> tuple[Text, ...]:
    """Cautions that hold on every rung (the guides, seeds 000 and 003)."""
    return (
        Text(
            "自称能代办退款、要收手续费的“退款中介”基本都是诈骗：退款只在你和平台之间办理，"
            "不要交钱，也不要交出账号密码。",
            "A 'refund agent' who offers help for a fee is almost always a scam: a refund is "
            "between you and the platform; pay nothing and never hand over your password.",
        ),
        Text(
            "不要私下向商家转账或付款：绕开平台付款就失去了平台的担保和售后保障。",
            "Never pay a merchant privately: paying outside the platform forfeits its "
            "protection and after-sales process.",
        ),
        Text(
            "只通过平台内置的客服沟通，不要添加商家的私人微信、QQ：平台内的聊天记录可以作为证据。",
            "Talk only through the platform's own chat, never a private WeChat or QQ: chats "
            "inside the platform count as evidence.",
        ),
    )
