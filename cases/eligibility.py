"""What a user may claim back, and on which rule (RULES.md §2, §4, §7).

The tracker must say *which* rule applied and *why*, in a sentence the user can paste
into a message to the merchant ("claim + rule + evidence"), so every result carries
its basis as bilingual :class:`Text` next to the amount. Amounts are ``Decimal`` in the
case's currency, rounded to the cent with ROUND_HALF_UP; times are timezone-aware.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from cases.i18n import InvalidInput, Text
from cases.vocabulary import Reason

CENT = Decimal("0.01")
FRAUD_MULTIPLE = Decimal(3)
FRAUD_MINIMUM = Decimal(500)
"""CPL Art. 55: extra compensation is 3x the price, and at least 500 yuan."""


def cents(amount: Decimal) -> Decimal:
    """Round money to the cent, half up (the way a refund is paid out)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str) -> str:
    """``¥1,280.00`` for yuan, ``1,280.00 USD`` for anything else."""
    code = currency.strip().upper()
    figure = f"{cents(amount):,.2f}"
    return f"¥{figure}" if code in ("CNY", "RMB") else f"{figure} {code}"


def _check_money(value: Decimal, what: Text) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise InvalidInput(Text(
            "{what}必须是不小于 0 的金额，例如 128.00，而不是 {value}。",
            "{what} must be an amount of 0 or more, such as 128.00, not {value}.",
        ).format(what=what, value=value))


def _check_aware(value: datetime, what: Text) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(Text(
            "{what}缺少时区：请写成 2026-05-01 14:30+08:00 这样带时区的时间。",
            "{what} has no time zone: give it as 2026-05-01 14:30+08:00.",
        ).format(what=what))


class UsageUnit(StrEnum):
    DAYS = "days"
    BENEFITS = "benefits"


_UNIT_WORDS: dict[str, UsageUnit] = {
    **dict.fromkeys(("", "d", "day", "days", "天", "日"), UsageUnit.DAYS),
    **dict.fromkeys(
        ("b", "benefit", "benefits", "项", "项权益", "个权益", "权益"), UsageUnit.BENEFITS
    ),
}
_USAGE = re.compile(r"^\s*(\d+)\s*[/／]\s*(\d+)\s*(\S*)\s*$")


@dataclass(frozen=True)
class Usage:
    """How much of a membership was used: ``used`` of ``total`` days or benefits."""

    used: int
    total: int
    unit: UsageUnit

    def __post_init__(self) -> None:
        if self.total <= 0 or not 0 <= self.used <= self.total:
            raise InvalidInput(Text(
                "使用量 {used}/{total} 不成立：总量必须大于 0，已用量在 0 到总量之间，"
                "例如 10/30 天。",
                "Usage {used}/{total} is impossible: the total must be above 0 and the "
                "used part between 0 and the total, e.g. 10/30 days.",
            ).format(used=self.used, total=self.total))

    @classmethod
    def parse(cls, text: str) -> Usage:
        """Read ``10/30``, ``10/30 days``, ``10/30天``, ``1/5 benefits`` or ``1/5项``.

        A bare fraction counts days, the common case (a time-based membership).
        """
        match = _USAGE.match(text)
        unit = _UNIT_WORDS.get(match.group(3).lower()) if match else None
        if match is None or unit is None:
            raise InvalidInput(Text(
                "无法识别使用量“{text}”：请写成“已用/总量 单位”，例如 10/30 天 或 1/5 项。",
                "Cannot read the usage '{text}': write used/total and a unit, "
                "e.g. 10/30 days or 1/5 benefits.",
            ).format(text=text))
        return cls(int(match.group(1)), int(match.group(2)), unit)


def _pro_rata(price: Decimal, total: int, used: int) -> Decimal:
    _check_money(price, Text("价格", "The price"))
    Usage(used, total, UsageUnit.DAYS)  # validates the fraction
    return cents(price * (total - used) / total)


def pro_rata_by_days(price: Decimal, total_days: int, used_days: int) -> Decimal:
    """The unused share of a time-based membership: 30 days bought, 10 used -> 20/30."""
    return _pro_rata(price, total_days, used_days)


def pro_rata_by_benefits(price: Decimal, total: int, used: int) -> Decimal:
    """The unused share of a bundle of benefits: 5 benefits, 1 used -> 4/5."""
    return _pro_rata(price, total, used)


def fraud_compensation(price: Decimal) -> Decimal:
    """Extra compensation for fraud on top of the refund (CPL Art. 55): 3x, at least 500."""
    _check_money(price, Text("价格", "The price"))
    return cents(max(price * FRAUD_MULTIPLE, FRAUD_MINIMUM))


def no_reason_window_open(paid_at: datetime, now: datetime, window: timedelta) -> bool:
    """Whether a refund without reason may still be asked: ``now`` within ``window`` of payment.

    The end is inclusive (asking at exactly 24 h still counts) because platforms word the
    rule as "within 24 hours".
    """
    _check_aware(paid_at, Text("付款时间", "The payment time"))
    _check_aware(now, Text("当前时间", "The current time"))
    if now < paid_at:
        raise InvalidInput(Text(
            "付款时间 {paid} 晚于当前时间：请检查付款时间和时区。",
            "The payment time {paid} is in the future: check the time and its zone.",
        ).format(paid=paid_at.isoformat()))
    return now - paid_at <= window


@dataclass(frozen=True)
class ClaimFacts:
    """What the user told us about one order, enough to decide what to claim."""

    reason: Reason
    price: Decimal
    currency: str
    paid_at: datetime
    now: datetime
    activated: bool | None = None
    usage: Usage | None = None
    correct_amount: Decimal | None = None
    window: timedelta = timedelta(hours=24)

    def __post_init__(self) -> None:
        _check_money(self.price, Text("订单金额", "The order amount"))
        if self.correct_amount is not None:
            _check_money(self.correct_amount, Text("应付金额", "The correct amount"))
        _check_aware(self.paid_at, Text("付款时间", "The payment time"))
        _check_aware(self.now, Text("当前时间", "The current time"))
        if self.window <= timedelta(0):
            raise InvalidInput(Text(
                "无理由退款时限必须是正数，例如 24 小时。",
                "The no-reason window must be positive, e.g. 24 hours.",
            ))


@dataclass(frozen=True)
class Claim:
    """What to ask for, by which method, and the sentence that justifies it."""

    amount: Decimal
    method: str
    basis: Text
    articles: tuple[str, ...]
    warnings: tuple[Text, ...] = field(default=())
    compensation: Decimal | None = None


ART_25 = Text(
    "不要以“7 天无理由退货”为依据：《消费者权益保护法》第二十五条把在线下载或已拆封的数字化商品"
    "排除在 7 天无理由退货之外。",
    "Do not rely on a 7-day no-reason return: CPL Art. 25 excludes downloaded or unsealed "
    "digital goods from it.",
)


def _duration(window: timedelta) -> Text:
    hours = window / timedelta(hours=1)
    if hours >= 48 and hours % 24 == 0:
        return Text("{n} 天", "{n} days").format(n=int(hours // 24))
    return Text("{n} 小时", "{n} hours").format(n=f"{hours:g}")


def _fraud_note(compensation: Decimal, currency: str) -> Text:
    note = Text(
        "如能证明经营者明知而欺诈，还可依《消费者权益保护法》第五十五条在退款之外要求三倍赔偿"
        "（不足 500 元按 500 元），即 {comp}；这一项更适合在 12315 或法院主张，"
        "给商家的第一条消息先提合理的退款诉求。",
        "If you can show the seller knowingly deceived you, CPL Art. 55 also allows compensation "
        "of three times the price (at least ¥500) on top of the refund: {comp}. Claim it at 12315 "
        "or in court; keep the first message to the merchant to the refund.",
    ).format(comp=format_money(compensation, currency))
    if format_money(compensation, currency).startswith("¥"):
        return note
    return Text(
        "{note}（500 元的下限以人民币计。）", "{note} (The 500 floor is in yuan.)"
    ).format(note=note)


_FULL_REFUND: dict[Reason, tuple[Text, tuple[str, ...]]] = {
    Reason.NOT_ACTIVATED: (Text(
        "服务尚未激活、未使用，平台并未实际提供服务，应全额退款 {amount}；"
        "“虚拟商品一律不退”之类的格式条款不能排除这项权利（《消费者权益保护法》第二十六条）。",
        "The service was never activated or used, so nothing was delivered and the full "
        "{amount} is due; a standard term such as 'virtual goods are never refundable' "
        "cannot take this right away (CPL Art. 26).",
    ), ("CPL Art. 26",)),
    Reason.NOT_AS_DESCRIBED: (Text(
        "实际提供的服务与商品页面的描述不符，经营者提供了虚假或引人误解的信息"
        "（《消费者权益保护法》第二十条），应全额退款 {amount}。",
        "The service delivered does not match the product page: the seller gave false or "
        "misleading information (CPL Art. 20), so the full {amount} is due.",
    ), ("CPL Art. 20",)),
    Reason.PLATFORM_FAULT: (Text(
        "平台系统故障导致服务无法正常使用，责任在平台，即使已部分使用也应全额退款 {amount}"
        "（《消费者权益保护法》第二十四条、第二十六条）。",
        "A platform fault kept the service from working; the fault is the platform's, so the "
        "full {amount} is due even if part of it was used (CPL Arts. 24 and 26).",
    ), ("CPL Art. 24", "CPL Art. 26")),
    Reason.PLATFORM_GONE: (Text(
        "平台已关闭或失联，无法继续提供已付费的服务，应全额退还 {amount}。",
        "The platform has shut down or cannot be reached and can no longer provide the paid "
        "service, so the full {amount} is due.",
    ), ("CPL Art. 55",)),
    Reason.FALSE_PROMISE: (Text(
        "商品页面或客服承诺“永久/终身”有效，但服务已经终止，属于虚假宣传"
        "（《消费者权益保护法》第二十条），应全额退款 {amount}；“虚拟商品一律不退”等排除"
        "消费者权利的格式条款无效（第二十六条）。",
        "The product page or customer service promised a 'permanent' or 'lifetime' service, "
        "yet it has ended: that is false advertising (CPL Art. 20), so the full {amount} is "
        "due; a standard term such as 'virtual goods are never refundable' that excludes "
        "consumer rights is void (CPL Art. 26).",
    ), ("CPL Art. 20", "CPL Art. 26", "CPL Art. 55")),
    Reason.OTHER: (Text("申请全额退款 {amount}。", "A full refund of {amount} is asked for."), ()),
}
"""Reasons that claim the whole price: the sentence that says why, and the articles."""

_NOTES: dict[Reason, tuple[Text, ...]] = {
    Reason.NOT_ACTIVATED: (ART_25,),
    Reason.PLATFORM_GONE: (Text(
        "平台失联可能涉嫌诈骗：尽快保存网页快照、域名与 ICP 备案信息、企业信用公示信息和全部"
        "交易记录，联合其他受害者向公安机关报案，并向支付渠道申请止付或交易投诉。",
        "A vanished platform may be fraud: save page snapshots, the domain and ICP filing, the "
        "enterprise-credit record and every transaction record now, report to the police "
        "together with other victims, and ask the payment channel to stop or dispute the "
        "payment.",
    ),),
    Reason.OTHER: (Text(
        "没有选定具体原因，无法引用规则：请在消息里写清发生了什么、证据是什么。",
        "No specific reason was chosen, so no rule can be cited: say in the message what "
        "happened and what the evidence shows.",
    ),),
}
_ACTIVATED_ANYWAY = Text(
    "你记录的是服务已激活：平台会核查卡密兑换或会员开通记录。如果确已使用，"
    "请改按“部分使用”申请按比例退款。",
    "You recorded the service as activated: the platform will check the card-key "
    "redemption or membership record. If it was used, claim pro rata as partly used.",
)


def assess_claim(facts: ClaimFacts) -> Claim:
    """Decide the amount and method for the reason given, with the rule and the caveats."""
    if facts.reason is Reason.PARTLY_USED:
        return _partly_used(facts)
    if facts.reason is Reason.DUPLICATE_PAYMENT:
        return _duplicate(facts)
    if facts.reason is Reason.MISTAKEN_PURCHASE:
        return _mistaken(facts)
    basis, articles = _FULL_REFUND[facts.reason]
    warnings = list(_NOTES.get(facts.reason, ()))
    if facts.reason is Reason.NOT_ACTIVATED and facts.activated:
        warnings.insert(0, _ACTIVATED_ANYWAY)
    compensation = None
    if "CPL Art. 55" in articles:
        compensation = fraud_compensation(facts.price)
        warnings.append(_fraud_note(compensation, facts.currency))
    return Claim(
        cents(facts.price), "full",
        basis.format(amount=format_money(facts.price, facts.currency)),
        articles, tuple(warnings), compensation,
    )


def _partly_used(facts: ClaimFacts) -> Claim:
    usage = facts.usage
    if usage is None:
        raise InvalidInput(Text(
            "“部分使用”需要使用量才能按比例计算：请加上 --usage，例如 --usage \"10/30 天\""
            " 或 --usage \"1/5 项\"。",
            "'Partly used' needs the usage to work out the share: add --usage, e.g. "
            "--usage \"10/30 days\" or --usage \"1/5 benefits\".",
        ))
    amount = _pro_rata(facts.price, usage.total, usage.used)
    if usage.unit is UsageUnit.DAYS:
        method = "pro_rata_days"
        basis = Text(
            "按未使用天数比例退款：{total} 天中已用 {used} 天，应退 {left}/{total} × {price} = "
            "{amount}。",
            "Pro rata by unused days: {used} of {total} days used, so {left}/{total} × {price} = "
            "{amount} is due.",
        )
    else:
        method = "pro_rata_benefits"
        basis = Text(
            "按未使用权益比例退款：共 {total} 项权益，已用 {used} 项，应退 {left}/{total} × "
            "{price} = {amount}。",
            "Pro rata by unused benefits: {used} of {total} benefits used, so {left}/{total} × "
            "{price} = {amount} is due.",
        )
    basis = basis.format(
        total=usage.total, used=usage.used, left=usage.total - usage.used,
        price=format_money(facts.price, facts.currency),
        amount=format_money(amount, facts.currency),
    )
    hint = Text(
        "如果是平台故障或虚假“永久”承诺让你停用，请改按那个原因申请全额退款。",
        "If a platform fault or a false 'permanent' promise is why you stopped, claim the full "
        "price under that reason instead.",
    )
    return Claim(amount, method, basis, (), (hint,))


def _duplicate(facts: ClaimFacts) -> Claim:
    paid = format_money(facts.price, facts.currency)
    if facts.correct_amount is None:
        basis = Text(
            "重复支付：同一订单被重复扣款，申请全额退还这笔重复支付的 {amount}。",
            "Duplicate payment: the same order was charged twice; the duplicate charge of "
            "{amount} is to be returned in full.",
        ).format(amount=paid)
        ask = Text(
            "如果是金额扣错而不是整笔重复，请填写应付金额，只申请多付的部分；"
            "两笔付款记录都要作为证据附上。",
            "If the amount was wrong rather than charged twice, record what should have been "
            "paid and claim only the excess; attach both payment records as evidence.",
        )
        return Claim(cents(facts.price), "full", basis, (), (ask,))
    if facts.correct_amount > facts.price:
        raise InvalidInput(Text(
            "应付金额 {correct} 大于实付金额 {paid}：请检查两个金额，实付应包含多付的部分。",
            "The correct amount {correct} is more than what was paid, {paid}: check both; "
            "the amount paid should include the excess.",
        ).format(correct=format_money(facts.correct_amount, facts.currency), paid=paid))
    excess = cents(facts.price - facts.correct_amount)
    words = {
        "paid": paid,
        "correct": format_money(facts.correct_amount, facts.currency),
        "excess": format_money(excess, facts.currency),
    }
    if excess == 0:
        basis = Text(
            "实付 {paid} 与应付 {correct} 相同，没有多付的金额可以申请退还。",
            "The {paid} paid equals the {correct} due, so there is no excess to claim back.",
        )
        return Claim(excess, "none", basis.format(**words), ())
    basis = Text(
        "重复支付/金额错误：实付 {paid}，应付 {correct}，多付的 {excess} 应予退还；"
        "两笔付款记录见附件。",
        "Duplicate payment / wrong amount: {paid} was paid where {correct} was due, so the "
        "excess of {excess} is to be returned; both payment records are attached.",
    )
    return Claim(excess, "excess", basis.format(**words), ())


def _mistaken(facts: ClaimFacts) -> Claim:
    money = format_money(facts.price, facts.currency)
    window = _duration(facts.window)
    warnings: list[Text] = []
    if no_reason_window_open(facts.paid_at, facts.now, facts.window):
        unused = Text("，服务未使用", ", with the service unused")
        if facts.activated is not False:
            unused = Text("", "")
        basis = Text(
            "误购，在付款后 {window}的无理由退款时限内申请{unused}，"
            "按平台规则应全额退款 {amount}。",
            "Bought by mistake and asked within the no-reason window of {window} after "
            "payment{unused}, so under the platform's rules the full {amount} is due.",
        ).format(unused=unused)
        if facts.activated:
            warnings.append(Text(
                "无理由退款通常要求服务未使用；你记录的是已激活，平台可能拒绝全额退款。",
                "A no-reason refund usually requires the service to be unused; you recorded it "
                "as activated, so the platform may refuse a full refund.",
            ))
    else:
        basis = Text(
            "误购，已超过付款后 {window}的无理由退款时限，仍恳请商家酌情全额退款 {amount}。",
            "Bought by mistake; the no-reason window of {window} after payment has passed, "
            "but I ask the merchant to consider refunding the full {amount}.",
        )
        warnings.append(Text(
            "已超过无理由退款时限：误购属于个人原因，平台可以拒绝全额退款。可以礼貌申请，但要做好"
            "被拒的准备；如果服务未使用，请强调这一点。",
            "The no-reason window has passed: a mistaken purchase is your own reason, so the "
            "platform may refuse a full refund. Ask politely but expect a refusal; if the "
            "service is unused, say so.",
        ))
    warnings.append(ART_25)
    basis = basis.format(window=window, amount=money)
    return Claim(cents(facts.price), "full", basis, (), tuple(warnings))
