"""Letters for every rung, reason and language (golden files), the amounts they claim, and
the ladder's guidance: dates and every trap, each with a case that triggers it and one that
does not.

Regenerate the golden files after a reviewed wording change with
``REFUNDFLOW_UPDATE_GOLDEN=1 pytest tests/unit/test_letters.py``.
"""

from __future__ import annotations

import os
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from cases.i18n import InvalidInput, Lang
from cases.ladder import POLICE_REASONS, RUNGS
from cases.model import Case, EventInput, Evidence
from cases.planning import Ladder, Planner
from cases.provinces import ProvinceTable
from cases.rules import RuleBook
from cases.vocabulary import Channel, EventKind, EvidenceKind, Reason
from cases.workdays import ChinaCalendar
from notifications.guide import ladder_view, view_json
from notifications.letters import (
    answer_by,
    evidence_entries,
    render_joint,
    render_letter,
    rung_to_act_on,
)

UPDATE = os.environ.get("REFUNDFLOW_UPDATE_GOLDEN") == "1"  # read before conftest clears it
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "letters"
T = datetime.fromisoformat
NOW = T("2026-10-05T10:00:00+08:00")
PLANNER = Planner(RuleBook(), ChinaCalendar())
LANGS: tuple[Lang, ...] = ("zh", "en")

EVIDENCE = (  # attached out of order on purpose: letters must sort them
    (EvidenceKind.COMMUNICATION, "chat.png", "客服聊天记录", "2026-09-22T11:00:00+08:00"),
    (EvidenceKind.PROBLEM, "IMG_2041.PNG", "服务终止提示", "2026-09-21T08:00:00+08:00"),
    (EvidenceKind.PURCHASE, "order.png", "订单截图", "2026-09-18T20:20:00+08:00"),
    (EvidenceKind.PROMISE, "page.jpg", "商品页永久承诺", "2026-09-18T20:21:00+08:00"),
)


def build(reason: Reason = Reason.FALSE_PROMISE, *, channel: Channel = Channel.ALIPAY,
          amount: str = "198.00", paid: str = "2026-09-18T20:15:00+08:00",
          usage: str | None = None, history: bool = True, evidence: bool = True,
          merchant: str | None = "星辰数码专营店", order: str = "KM20260918001") -> Case:
    """The case behind every golden letter: bought, evidence kept, applied, rejected."""
    created = max(T(paid), T("2026-09-19T09:00:00+08:00"))
    case = Case("RF-2026-0007", "115卡盟", order, "115 超级会员年卡", Decimal(amount), "CNY",
                channel, reason, T(paid), "Asia/Shanghai", created, merchant=merchant,
                usage=usage)
    case.append_event(EventKind.CREATED, created, created, {"reason": reason.value})
    if evidence:
        for n, (kind, name, note, at) in enumerate(EVIDENCE):
            added = max(created, T("2026-09-23T09:00:00+08:00"))
            case.attach(Evidence(kind, f"{n:x}" * 64, name, 1000 + n, T(at), added, note), added)
    if history:
        case.record(EventInput(EventKind.SUBMITTED, T("2026-09-22T10:00:00+08:00"),
                               refund_no="TK20260922001", ticket="GD-5521"),
                    T("2026-09-23T10:00:00+08:00"), PLANNER, Ladder())
        case.record(EventInput(EventKind.REJECTED, T("2026-09-25T16:00:00+08:00"),
                               note="平台称虚拟商品不支持退款"),
                    T("2026-09-25T16:00:00+08:00"), PLANNER, Ladder())
    return case


def letter(case: Case, rung: str | None, lang: Lang = "zh", usage: str | None = None) -> str:
    return render_letter(case, rung, lang, NOW, PLANNER, usage).text


# --- golden files: every rung × reason × language that exists ---------------------------------

COMBOS = [
    (step.key, reason, Channel.ALIPAY)
    for step in RUNGS for reason in Reason
    if step.key != "police" or reason in POLICE_REASONS
] + [("payment_dispute", Reason.NOT_AS_DESCRIBED, ch)
     for ch in (Channel.WECHAT, Channel.BANK_CARD, Channel.CREDIT_CARD, Channel.OTHER)]


def golden_path(rung: str, reason: Reason, channel: Channel, lang: str) -> Path:
    suffix = "" if channel is Channel.ALIPAY else f"--{channel.value}"
    return GOLDEN / rung / f"{reason.value}{suffix}.{lang}.txt"


def render_combo(rung: str, reason: Reason, channel: Channel, lang: Lang) -> str:
    usage = "10/30 days" if reason is Reason.PARTLY_USED else None
    return letter(build(reason, channel=channel, usage=usage), rung, lang)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("rung", "reason", "channel"), COMBOS,
                         ids=[f"{r}-{why.value}-{ch.value}" for r, why, ch in COMBOS])
def test_letter_matches_its_reviewed_golden_file(rung: str, reason: Reason, channel: Channel,
                                                 lang: Lang) -> None:
    text = render_combo(rung, reason, channel, lang)
    path = golden_path(rung, reason, channel, lang)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no golden file {path}: run with REFUNDFLOW_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def test_no_golden_file_is_left_over_from_a_combination_that_no_longer_exists() -> None:
    expected = {golden_path(r, why, ch, lang) for r, why, ch in COMBOS for lang in LANGS}
    assert set(GOLDEN.rglob("*.txt")) == expected


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("rung", "reason", "channel"), COMBOS[::3])
def test_every_letter_states_claim_rule_evidence_and_answer_date(
        rung: str, reason: Reason, channel: Channel, lang: Lang) -> None:
    text = render_combo(rung, reason, channel, lang)
    assert "KM20260918001" in text  # the order
    assert ("《" in text and "第" in text) if lang == "zh" else " Art. " in text  # the rule
    assert "01-" in text and "04-" in text  # the evidence, by name
    assert "¥" in text  # the amount
    assert "24:00" in text  # the date an answer is due (day-based clocks end at 24:00)


@pytest.mark.parametrize("lang", LANGS)
def test_letters_keep_the_guides_tone_no_threats_no_exaggeration(lang: Lang) -> None:
    banned = (["曝光", "后果自负", "律师函", "骗子", "黑店", "！！", "走着瞧", "必须立即"]
              if lang == "zh" else ["scam", "expose", "or else", "!!", "immediately", "liar"])
    for rung, reason, channel in COMBOS:
        text = render_combo(rung, reason, channel, lang)
        assert not [word for word in banned if word in text], (rung, reason)


def test_letters_to_the_other_side_name_the_next_lawful_step_and_letters_to_authorities_do_not(
) -> None:
    case = build(Reason.NOT_AS_DESCRIBED)
    assert "我将申请平台介入处理" in letter(case, "refund_application")
    assert "我将通过全国 12315 平台向市场监督管理部门投诉" in letter(case, "platform_arbitration")
    assert "I will file a formal refund application" in letter(case, "merchant_cs", "en")
    assert "我将" not in letter(case, "samr_12315")
    assert "I will" not in letter(case, "court", "en")


# --- the amounts as they appear in letters ------------------------------------------------


def test_full_refund_states_the_price_and_how_it_was_reached() -> None:
    text = letter(build(Reason.NOT_ACTIVATED), "refund_application")
    assert "【退款金额】¥198.00（计算方式：订单实付金额全额 ¥198.00）" in text


def test_pro_rata_by_days_claims_the_unused_share_with_the_formula() -> None:
    text = letter(build(Reason.PARTLY_USED, usage="10/30 days"), "refund_application")
    assert "【退款金额】¥132.00" in text
    assert "（30 − 10）/ 30 × ¥198.00 = ¥132.00" in text


def test_pro_rata_by_benefits_and_rounding_to_the_cent() -> None:
    benefits = letter(build(Reason.PARTLY_USED, amount="100.00", usage="1/5 benefits"),
                      "merchant_cs", "en")
    assert "Please refund ¥80.00" in benefits
    assert "(5 − 1) / 5 × ¥100.00 = ¥80.00 (1 of 5 benefits used)" in benefits
    days = letter(build(Reason.PARTLY_USED, amount="100.00", usage="10/30 days"), "merchant_cs")
    assert "请为我办理退款 ¥66.67" in days


def test_usage_given_on_the_command_line_replaces_a_missing_one() -> None:
    case = build(Reason.PARTLY_USED)
    with pytest.raises(InvalidInput, match="usage"):
        letter(case, "merchant_cs")
    assert "¥132.00" in letter(case, "merchant_cs", usage="10/30 days")


def test_a_partial_refund_already_received_is_taken_off_the_claim() -> None:
    case = build(Reason.FALSE_PROMISE)
    case.refunded = Decimal("50.00")
    text = letter(case, "samr_12315")
    assert "1. 退还 ¥148.00" in text
    assert "已收到退款 ¥50.00，尚需退还 ¥148.00" in text


def test_duplicate_payment_claims_the_duplicate_charge() -> None:
    text = letter(build(Reason.DUPLICATE_PAYMENT), "refund_application", "en")
    assert "[Refund amount] ¥198.00 (computed as the duplicate charge, ¥198.00)" in text


def test_fraud_compensation_is_claimed_only_before_12315_and_the_court() -> None:
    case = build(Reason.FALSE_PROMISE)
    assert "增加赔偿 ¥594.00" in letter(case, "samr_12315")
    assert "赔偿原告 ¥594.00" in letter(case, "court")
    for rung in ("merchant_cs", "refund_application", "platform_arbitration", "payment_dispute"):
        assert "¥594.00" not in letter(case, rung)
    small = build(Reason.PLATFORM_GONE, amount="100.00")
    assert "¥500.00 under CPL Art. 55" in letter(small, "court", "en")  # 3× is under the floor
    assert "五十五条" not in letter(build(Reason.NOT_AS_DESCRIBED), "samr_12315")


# --- what the letter is about -------------------------------------------------------------


def test_evidence_is_named_and_ordered_purchase_promise_problem_communication() -> None:
    names = [e.name for e in evidence_entries(build(), "zh")]
    assert names == ["01-购买凭证-订单截图.png", "02-宣传承诺证据-商品页永久承诺.jpg",
                     "03-问题证明-服务终止提示.png", "04-沟通记录-客服聊天记录.png"]
    english = [e.name for e in evidence_entries(build(), "en")]
    assert english[0] == "01-purchase-proof-订单截图.png"


def test_unsafe_characters_in_a_note_never_reach_a_file_name() -> None:
    case = build(evidence=False)
    case.attach(Evidence(EvidenceKind.PURCHASE, "a" * 64, "x.png", 1, NOW, NOW,
                         "../订单 截图:1/2?"), NOW)
    assert evidence_entries(case, "zh")[0].name == "01-购买凭证-订单_截图_1_2.png"


def test_missing_evidence_is_marked_to_add_in_the_letter() -> None:
    text = letter(build(Reason.NOT_AS_DESCRIBED, evidence=False), "refund_application")
    assert "【待补充】订单截图和付款记录" in text


def test_the_rung_to_act_on_follows_the_case() -> None:
    assert rung_to_act_on(build(history=False)) == "merchant_cs"
    assert rung_to_act_on(build()) == "platform_arbitration"  # rejected at the application
    case = build()
    case.record(EventInput(EventKind.ESCALATED, T("2026-09-28T10:00:00+08:00"),
                           rung="samr_12315"), NOW, PLANNER, Ladder())
    assert rung_to_act_on(case) == "samr_12315"


def test_the_police_letter_is_refused_where_the_ladder_skips_the_police() -> None:
    with pytest.raises(InvalidInput, match="police report is for a vanished platform"):
        letter(build(Reason.NOT_AS_DESCRIBED), "police")


def test_answer_date_is_the_open_deadline_or_the_rungs_clock_from_now() -> None:
    case = build(history=False)
    case.record(EventInput(EventKind.SUBMITTED, T("2026-10-05T09:00:00+08:00")), NOW, PLANNER,
                Ladder())
    review = next(d for d in case.open_deadlines())
    assert answer_by(case, "refund_application", NOW, PLANNER) is review
    fresh = answer_by(case, "samr_12315", NOW, PLANNER)  # 7 working days after the holiday
    assert fresh.due_at == T("2026-10-16T00:00:00+08:00")
    assert "于 2026-10-15 24:00 前告知是否受理" in letter(case, "samr_12315")


# --- the ladder: dates -------------------------------------------------------------------


def row(view: dict[str, object], key: str) -> dict[str, object]:
    rungs = view["rungs"]
    assert isinstance(rungs, list)
    return next(r for r in rungs if r["key"] == key)


def show(case: Case, lang: Lang = "en", **kw: object) -> dict[str, object]:
    return view_json(ladder_view(case, NOW, PLANNER, **kw), lang)  # type: ignore[arg-type]


def test_ladder_dates_last_safe_days_from_limitation_and_chargeback() -> None:
    case = build(channel=Channel.CREDIT_CARD, paid="2026-09-18T07:30:00+08:00")
    view = show(case)
    assert row(view, "samr_12315")["last_safe_shown"] == "2029-09-18 24:00"  # local day
    assert row(view, "court")["last_safe_shown"] == "2029-09-18 24:00"
    assert row(view, "payment_dispute")["last_safe_shown"] == "2027-01-16 07:30"
    assert row(show(build()), "payment_dispute")["last_safe"] is None  # Alipay: no fixed end


def test_ladder_earliest_dates_climb_rung_by_rung() -> None:
    view = show(build())
    assert row(view, "platform_arbitration")["status"] == "current"
    assert row(view, "refund_application")["status"] == "done"
    assert row(view, "police")["status"] == "later"
    assert row(show(build(Reason.NOT_AS_DESCRIBED)), "police")["status"] == "skipped"
    earliest = [r["earliest"] for r in view["rungs"] if r["status"] in ("current", "next", "later")]
    assert earliest == sorted(earliest) and len(set(earliest)) == len(earliest)
    assert row(view, "samr_12315")["earliest"] == row(view, "platform_arbitration")["answer_by"]


# --- the ladder: every trap, triggered and not ------------------------------------------------


def trap_keys(view: dict[str, object], rung: str) -> dict[str, str]:
    traps = row(view, rung)["traps"]
    assert isinstance(traps, list)
    return {t["key"]: t["severity"] for t in traps}


def test_trap_12315_refuses_a_dispute_a_court_has_taken() -> None:
    taken = build()
    taken.filings = {"court": "2026-09-30T10:00:00+08:00"}
    assert trap_keys(show(taken), "samr_12315")["samr_already_taken"] == "block"
    assert "samr_already_taken" not in trap_keys(show(build()), "samr_12315")


def test_trap_limitation_expired_blocks_12315_and_court() -> None:
    old = show(build(paid="2023-01-10T10:00:00+08:00", history=False))
    assert trap_keys(old, "samr_12315")["limitation_expired"] == "block"
    assert trap_keys(old, "court")["limitation_expired"] == "block"
    assert "limitation_expired" not in trap_keys(show(build()), "court")


def test_trap_limitation_near_warns() -> None:
    near = show(build(paid="2023-11-01T10:00:00+08:00", history=False))
    assert trap_keys(near, "samr_12315")["limitation_near"] == "warn"
    assert "limitation_near" not in trap_keys(show(build()), "samr_12315")


def test_trap_chargeback_window_over_or_closing() -> None:
    gone = show(build(channel=Channel.CREDIT_CARD, paid="2026-05-01T10:00:00+08:00"))
    assert trap_keys(gone, "payment_dispute")["chargeback_expired"] == "block"
    alipay = show(build(channel=Channel.ALIPAY, paid="2026-05-01T10:00:00+08:00"))
    assert "chargeback_expired" not in trap_keys(alipay, "payment_dispute")
    near = show(build(channel=Channel.BANK_CARD, paid="2026-06-10T10:00:00+08:00"))
    assert trap_keys(near, "payment_dispute")["chargeback_near"] == "warn"
    fresh = show(build(channel=Channel.CREDIT_CARD))
    assert "chargeback_near" not in trap_keys(fresh, "payment_dispute")


def test_trap_wechat_complaints_expire_after_48_hours() -> None:
    assert "wechat_48h" in trap_keys(show(build(channel=Channel.WECHAT)), "payment_dispute")
    assert "wechat_48h" not in trap_keys(show(build()), "payment_dispute")


def test_trap_police_threshold_national_range_and_province_figure() -> None:
    small = show(build(Reason.PLATFORM_GONE))
    assert trap_keys(small, "police")["police_threshold"] == "warn"
    assert "police_threshold" not in trap_keys(show(build(Reason.PLATFORM_GONE,
                                                          amount="12000.00")), "police")
    chongqing = ProvinceTable.load().find("重庆")
    above = show(build(Reason.PLATFORM_GONE, amount="6000.00"), province=chongqing)
    assert "police_threshold" not in trap_keys(above, "police")
    below = show(build(Reason.PLATFORM_GONE, amount="4000.00"), "zh", province=chongqing)
    text = row(below, "police")["traps"][0]["text"]  # type: ignore[index]
    assert "低于重庆诈骗罪“数额较大”的标准 ¥5,000.00" in text and "未核实" in text


def test_trap_small_claims_cap_unknown_or_exceeded() -> None:
    assert trap_keys(show(build()), "court")["small_claims_cap"] == "warn"  # no province
    jiangsu = ProvinceTable.load().find("江苏省")
    assert "small_claims_cap" not in trap_keys(show(build(), province=jiangsu), "court")
    big = show(build(amount="70000.00"), province=jiangsu)
    assert trap_keys(big, "court")["small_claims_cap"] == "warn"


def test_trap_court_for_a_small_amount() -> None:
    assert "court_small_amount" in trap_keys(show(build()), "court")
    assert "court_small_amount" not in trap_keys(show(build(amount="8000.00")), "court")


def test_trap_two_live_applications_is_a_warning_of_its_own() -> None:
    busy = show(build(), live_applications=1)
    assert any("1 other live refund application" in w for w in busy["warnings"])  # type: ignore
    calm = show(build())
    assert not any("other live" in w for w in calm["warnings"])  # type: ignore[union-attr]
    assert any("Keep one live refund application" in w for w in calm["warnings"])  # type: ignore
    assert "multiple_applications" not in trap_keys(busy, "court")


def test_general_warnings_name_the_refund_agent_scam_and_private_payment() -> None:
    warnings = " ".join(show(build(), "zh")["warnings"])  # type: ignore[arg-type]
    assert "退款中介" in warnings and "私下向商家转账" in warnings and "多头申请" in warnings


def test_the_checklist_says_what_the_current_rung_still_lacks() -> None:
    checks = row(show(build(evidence=False)), "platform_arbitration")["checklist"]
    assert {c["kind"]: c["missing"] for c in checks} == {  # type: ignore[union-attr]
        "purchase": True, "promise": True, "problem": True, "communication": True}
    full = row(show(build()), "platform_arbitration")["checklist"]
    assert not any(c["missing"] for c in full)  # type: ignore[union-attr]


# --- province table ------------------------------------------------------------------------


def test_province_override_file_corrects_a_figure(tmp_path: Path) -> None:
    override = tmp_path / "provinces.toml"
    override.write_text('["江苏".small_claims_cap]\namount = "70000"\nyear = 2026\n'
                        'source = "test"\nverified = true\n', encoding="utf-8")
    cap = ProvinceTable.load(override).find("Jiangsu").small_claims_cap
    assert cap is not None and cap.amount == Decimal("70000") and cap.verified
    with pytest.raises(InvalidInput, match="not a province of mainland China"):
        ProvinceTable.load().find("火星")
    override.write_text('["江苏".small_claims_cap]\namount = "lots"\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match="amount"):
        ProvinceTable.load(override)


# --- joint complaint -----------------------------------------------------------------------


def test_joint_complaint_lists_every_order_and_amount_with_the_total() -> None:
    one = build(Reason.FALSE_PROMISE)
    two = replace_case(build(Reason.PARTLY_USED, usage="10/30 days", order="KM2"), "RF-2026-0008")
    text = render_joint([one, two], "星辰数码专营店", "zh", NOW)
    assert "订单 KM20260918001（" in text and "订单 KM2（" in text
    assert "诉求退还 ¥198.00" in text and "诉求退还 ¥132.00" in text
    assert "合计：付款 ¥396.00，诉求退还 ¥330.00" in text
    assert "推选两名" in text
    with pytest.raises(InvalidInput, match="at least two"):
        render_joint([one], "星辰数码专营店", "en", NOW)


def replace_case(case: Case, ref: str) -> Case:
    case.ref = ref
    return case


def test_times_are_shown_in_the_case_zone() -> None:
    case = build()
    case.zone = "Asia/Tokyo"
    assert "2026-09-18 21:15" in letter(case, "merchant_cs")  # 20:15 in Shanghai
