"""The rule part of "claim + rule + evidence": which article each reason relies on, in words.

RULES.md §7 cites by reason: false or misleading information → CPL Art. 20; quality →
CPL Art. 24; unfair standard terms → CPL Art. 26; fraud → CPL Art. 55; the platform must show
its rules → E-Commerce Law Art. 33; complaints, disputes and records → Arts. 59-62. Each
article is paraphrased closely (not quoted) so a letter can say what it requires.
"""

from __future__ import annotations

from dataclasses import dataclass

from cases.i18n import Text
from cases.vocabulary import Channel, Reason


@dataclass(frozen=True)
class Article:
    key: str
    cite: Text
    says: Text


def _cpl(n_zh: str, n: int, zh: str, en: str) -> Article:
    return Article(f"CPL Art. {n}", Text(f"《消费者权益保护法》第{n_zh}条",
                                         f"Consumer Rights Protection Law (CPL) Art. {n}"),
                   Text(zh, en))


def _ecl(n_zh: str, n: int, zh: str, en: str) -> Article:
    return Article(f"ECL Art. {n}", Text(f"《电子商务法》第{n_zh}条", f"E-Commerce Law Art. {n}"),
                   Text(zh, en))


ARTICLES: dict[str, Article] = {a.key: a for a in (
    _cpl("二十", 20,
         "经营者向消费者提供的商品或者服务的质量、性能、用途、有效期限等信息，应当真实、全面，"
         "不得作虚假或者引人误解的宣传",
         "information a business gives on the quality, performance, use or period of validity "
         "of goods or services must be true and complete, without false or misleading "
         "advertising"),
    _cpl("二十四", 24,
         "商品或者服务不符合质量要求的，消费者可以依照国家规定、当事人约定退货，"
         "或者要求经营者履行更换、修理等义务",
         "where goods or services do not meet quality requirements, the consumer may return "
         "them under state rules or the agreement, or require replacement or repair"),
    _cpl("二十六", 26,
         "经营者不得以格式条款、通知、声明等方式排除或者限制消费者权利、减轻或者免除自身责任；"
         "含有此类内容的，其内容无效",
         "a business may not use standard terms, notices or statements to exclude or limit "
         "consumers' rights or to reduce its own liability; such terms are void"),
    _cpl("五十五", 55,
         "经营者有欺诈行为的，应当按照消费者的要求增加赔偿，增加赔偿的金额为价款的三倍，"
         "不足五百元的为五百元",
         "where a business commits fraud, it must at the consumer's request pay additional "
         "compensation of three times the price, and at least 500 yuan"),
    _ecl("三十三", 33,
         "电子商务平台经营者应当在首页显著位置持续公示平台服务协议和交易规则",
         "a platform must keep its service agreement and trading rules prominently on display"),
    _ecl("五十九", 59,
         "电子商务经营者应当建立便捷、有效的投诉机制，及时受理并处理投诉",
         "e-commerce businesses must run a convenient, effective complaints process and handle "
         "complaints promptly"),
    _ecl("六十一", 61,
         "消费者与平台内经营者发生争议时，平台经营者应当积极协助消费者维护合法权益",
         "when a consumer has a dispute with a merchant on the platform, the platform must "
         "actively help the consumer protect their rights"),
    _ecl("六十二", 62,
         "在电子商务争议处理中，电子商务经营者应当提供原始合同和交易记录",
         "in an e-commerce dispute, the business must produce the original contract and the "
         "transaction records"),
)}

BY_REASON: dict[Reason, tuple[str, ...]] = {
    Reason.NOT_ACTIVATED: ("CPL Art. 26", "ECL Art. 62"),
    Reason.NOT_AS_DESCRIBED: ("CPL Art. 20", "CPL Art. 24"),
    Reason.DUPLICATE_PAYMENT: ("ECL Art. 62",),
    Reason.PLATFORM_FAULT: ("CPL Art. 24", "CPL Art. 26"),
    Reason.PLATFORM_GONE: ("CPL Art. 24", "ECL Art. 62"),
    Reason.FALSE_PROMISE: ("CPL Art. 20", "CPL Art. 26"),
    Reason.MISTAKEN_PURCHASE: ("ECL Art. 33",),
    Reason.PARTLY_USED: ("CPL Art. 26",),
    Reason.OTHER: ("ECL Art. 59",),
}
"""The articles a reason rests on, before the rung adds its own."""

COMPENSATION_RUNGS = frozenset({"samr_12315", "court"})
"""Where the CPL Art. 55 compensation is claimed; to the merchant, the refund alone."""


def articles_for(reason: Reason, rung_key: str, has_merchant: bool,
                 claims_compensation: bool) -> list[Article]:
    """The articles a letter cites, in order: the reason's, then what the rung adds."""
    keys = list(BY_REASON[reason])
    if rung_key == "platform_arbitration":
        keys += ["ECL Art. 61"] if has_merchant else ["ECL Art. 59"]
    if claims_compensation and rung_key in COMPENSATION_RUNGS:
        keys.append("CPL Art. 55")
    return [ARTICLES[k] for k in dict.fromkeys(keys)]


PROBLEM: dict[Reason, Text] = {
    Reason.NOT_ACTIVATED: Text(
        "购买后服务一直未激活、未使用（未兑换卡密，未开通会员）。",
        "Since the purchase the service has not been activated or used (no card key "
        "redeemed, no membership opened)."),
    Reason.NOT_AS_DESCRIBED: Text(
        "实际提供的服务与商品页面的描述不符。",
        "The service delivered does not match the product page."),
    Reason.DUPLICATE_PAYMENT: Text(
        "同一订单被重复扣款或扣款金额有误。",
        "The same order was charged twice, or the wrong amount was charged."),
    Reason.PLATFORM_FAULT: Text(
        "因平台系统故障，服务无法正常使用。",
        "A platform fault kept the service from working."),
    Reason.PLATFORM_GONE: Text(
        "平台已关闭或无法联系，已付费的服务不再提供。",
        "The platform has shut down or cannot be reached, and the paid service is no longer "
        "provided."),
    Reason.FALSE_PROMISE: Text(
        "商品页面或客服承诺服务“永久/终身”有效，但服务已经终止。",
        "The product page or customer service promised a 'permanent/lifetime' service, but "
        "the service has ended."),
    Reason.MISTAKEN_PURCHASE: Text(
        "该商品是我误购的。", "I bought this by mistake."),
    Reason.PARTLY_USED: Text(
        "服务只使用了一部分（{usage}），其余部分未使用。",
        "Only part of the service was used ({usage}); the rest is unused."),
    Reason.OTHER: Text(
        "订单出现问题，经过如下。", "Something went wrong with the order, as set out below."),
}
"""What went wrong, in one sentence, per reason."""


def next_step_phrase(rung_key: str, channel: Channel) -> Text:
    """The next lawful step, as the end of "if unresolved, I will …"."""
    if rung_key == "payment_dispute":
        return PAY_STEP.get(channel, PAY_STEP[Channel.OTHER])
    return NEXT_STEP[rung_key]


NEXT_STEP: dict[str, Text] = {
    "merchant_cs": Text("联系商家客服", "contact the merchant's customer service"),
    "refund_application": Text("在平台提交正式退款申请",
                               "file a formal refund application on the platform"),
    "platform_arbitration": Text("申请平台介入处理", "ask the platform to intervene"),
    "samr_12315": Text("通过全国 12315 平台向市场监督管理部门投诉",
                       "complain to the market regulator through the national 12315 platform"),
    "complaint_sites": Text("在第三方投诉平台如实反映情况",
                            "set out the facts on a third-party complaint site"),
    "police": Text("向公安机关报案", "report the matter to the police"),
    "court": Text("向人民法院提起诉讼", "bring a claim in the people's court"),
}
PAY_STEP: dict[Channel, Text] = {
    Channel.ALIPAY: Text("向支付宝提交交易投诉", "file a transaction complaint with Alipay"),
    Channel.WECHAT: Text("向微信支付提交交易投诉", "file a transaction complaint with WeChat Pay"),
    Channel.BANK_CARD: Text("向发卡银行申请争议处理", "ask my card issuer to dispute the charge"),
    Channel.CREDIT_CARD: Text("向发卡银行申请拒付", "ask my card issuer for a chargeback"),
    Channel.OTHER: Text("向支付渠道申请争议处理", "dispute the payment with the payment provider"),
}
