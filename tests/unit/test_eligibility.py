"""What a user may claim, by reason (RULES.md §2, §4): amounts, methods, the rule cited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from cases.eligibility import (
    Claim,
    ClaimFacts,
    Usage,
    UsageUnit,
    assess_claim,
    fraud_compensation,
    no_reason_window_open,
    pro_rata_by_benefits,
    pro_rata_by_days,
)
from cases.i18n import InvalidInput, Text
from cases.vocabulary import Reason

SHANGHAI = timezone(timedelta(hours=8))
PAID = datetime(2026, 5, 1, 10, 0, tzinfo=SHANGHAI)


def claim(reason: Reason, price: str = "128.00", hours_later: float = 2, **kw: Any) -> Claim:
    facts = ClaimFacts(
        reason=reason,
        price=Decimal(price),
        currency=str(kw.pop("currency", "CNY")),
        paid_at=PAID,
        now=PAID + timedelta(hours=hours_later),
        **kw,
    )
    return assess_claim(facts)


def both(text: Text) -> str:
    return text.render("zh") + "\n" + text.render("en")


# --- amounts -----------------------------------------------------------------------------


def test_pro_rata_by_days_refunds_the_unused_share() -> None:
    assert pro_rata_by_days(Decimal("128.00"), 30, 10) == Decimal("85.33")
    assert pro_rata_by_days(Decimal("128.00"), 30, 0) == Decimal("128.00")
    assert pro_rata_by_days(Decimal("128.00"), 30, 30) == Decimal("0.00")


def test_pro_rata_by_benefits_refunds_the_unused_benefits() -> None:
    assert pro_rata_by_benefits(Decimal("99.00"), 5, 1) == Decimal("79.20")


def test_amounts_round_half_up_to_the_cent() -> None:
    # 0.05 x 1/2 = 0.025: half-up gives 0.03 (banker's rounding would give 0.02).
    result = pro_rata_by_days(Decimal("0.05"), 2, 1)
    assert result == Decimal("0.03")
    assert result.as_tuple().exponent == -2


def test_pro_rata_refuses_impossible_fractions() -> None:
    with pytest.raises(InvalidInput):
        pro_rata_by_days(Decimal("10"), 30, 31)
    with pytest.raises(InvalidInput):
        pro_rata_by_benefits(Decimal("10"), 0, 0)
    with pytest.raises(InvalidInput):
        pro_rata_by_days(Decimal("-1"), 30, 1)


def test_fraud_compensation_is_three_times_with_a_500_floor() -> None:
    assert fraud_compensation(Decimal("100")) == Decimal("500.00")
    assert fraud_compensation(Decimal("300")) == Decimal("900.00")
    assert fraud_compensation(Decimal("166.67")) == Decimal("500.01")


def test_money_must_be_decimal_not_float() -> None:
    with pytest.raises(InvalidInput):
        fraud_compensation(100.0)  # type: ignore[arg-type]


# --- usage parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "used", "total", "unit"),
    [
        ("10/30", 10, 30, UsageUnit.DAYS),
        ("10/30 days", 10, 30, UsageUnit.DAYS),
        ("10/30天", 10, 30, UsageUnit.DAYS),
        (" 10 / 30 Days ", 10, 30, UsageUnit.DAYS),
        ("1/5 benefits", 1, 5, UsageUnit.BENEFITS),
        ("1/5项", 1, 5, UsageUnit.BENEFITS),
        ("1／5 项", 1, 5, UsageUnit.BENEFITS),
    ],
)
def test_usage_parses_days_and_benefits(text: str, used: int, total: int, unit: UsageUnit) -> None:
    assert Usage.parse(text) == Usage(used, total, unit)


@pytest.mark.parametrize("text", ["", "ten of thirty", "10/30 weeks", "10-30", "-1/5", "1/5/7"])
def test_usage_rejects_what_it_cannot_read_and_shows_an_example(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Usage.parse(text)
    assert "10/30" in caught.value.render("zh")
    assert "10/30 days" in caught.value.render("en")


@pytest.mark.parametrize("text", ["31/30", "0/0", "1/0 benefits"])
def test_usage_rejects_impossible_fractions(text: str) -> None:
    with pytest.raises(InvalidInput, match="impossible"):
        Usage.parse(text)


# --- the no-reason window ------------------------------------------------------------------


def test_no_reason_window_is_open_up_to_and_including_its_end() -> None:
    day = timedelta(hours=24)
    assert no_reason_window_open(PAID, PAID + timedelta(hours=23), day)
    assert no_reason_window_open(PAID, PAID + day, day)
    assert not no_reason_window_open(PAID, PAID + day + timedelta(seconds=1), day)
    assert no_reason_window_open(PAID, PAID + timedelta(hours=70), timedelta(hours=72))


def test_no_reason_window_compares_instants_across_zones() -> None:
    utc_now = (PAID + timedelta(hours=23)).astimezone(UTC)
    assert no_reason_window_open(PAID, utc_now, timedelta(hours=24))


def test_no_reason_window_refuses_naive_or_future_payment_times() -> None:
    with pytest.raises(InvalidInput, match="time zone"):
        no_reason_window_open(PAID.replace(tzinfo=None), PAID, timedelta(hours=24))
    with pytest.raises(InvalidInput, match="future"):
        no_reason_window_open(PAID, PAID - timedelta(hours=1), timedelta(hours=24))


# --- claims by reason -------------------------------------------------------------------------


def test_not_activated_claims_full_and_warns_off_the_7_day_return() -> None:
    result = claim(Reason.NOT_ACTIVATED)
    assert (result.amount, result.method, result.articles) == (
        Decimal("128.00"),
        "full",
        ("CPL Art. 26",),
    )
    assert "¥128.00" in result.basis.render("zh") and "¥128.00" in result.basis.render("en")
    assert any(
        "Art. 25" in w.render("en") and "第二十五条" in w.render("zh") for w in result.warnings
    )


def test_not_activated_but_recorded_as_activated_is_flagged() -> None:
    assert len(claim(Reason.NOT_ACTIVATED, activated=True).warnings) == 2
    assert len(claim(Reason.NOT_ACTIVATED, activated=False).warnings) == 1


def test_not_as_described_claims_full_under_article_20() -> None:
    result = claim(Reason.NOT_AS_DESCRIBED)
    assert (result.amount, result.method, result.articles) == (
        Decimal("128.00"),
        "full",
        ("CPL Art. 20",),
    )
    assert "第二十条" in result.basis.render("zh")


def test_platform_fault_claims_full_even_when_used() -> None:
    result = claim(Reason.PLATFORM_FAULT, activated=True, usage=Usage.parse("20/30"))
    assert (result.amount, result.method) == (Decimal("128.00"), "full")
    assert result.articles == ("CPL Art. 24", "CPL Art. 26")
    assert "even if part of it was used" in result.basis.render("en")


def test_platform_gone_claims_full_with_police_route_and_compensation() -> None:
    result = claim(Reason.PLATFORM_GONE, price="300.00")
    assert (result.amount, result.method) == (Decimal("300.00"), "full")
    assert result.compensation == Decimal("900.00")
    assert "CPL Art. 55" in result.articles
    notes = " ".join(both(w) for w in result.warnings)
    assert "公安机关" in notes and "police" in notes and "¥900.00" in notes


def test_false_promise_claims_full_and_voids_no_refund_terms() -> None:
    result = claim(Reason.FALSE_PROMISE, price="100.00")
    assert (result.amount, result.method) == (Decimal("100.00"), "full")
    assert result.articles[:2] == ("CPL Art. 20", "CPL Art. 26")
    assert result.compensation == Decimal("500.00")
    assert "void" in result.basis.render("en") and "无效" in result.basis.render("zh")


def test_duplicate_payment_claims_the_excess() -> None:
    result = claim(Reason.DUPLICATE_PAYMENT, price="256.00", correct_amount=Decimal("128.00"))
    assert (result.amount, result.method, result.articles) == (Decimal("128.00"), "excess", ())
    assert "¥256.00" in result.basis.render("zh") and "¥128.00" in result.basis.render("en")


def test_duplicate_payment_without_correct_amount_claims_the_full_charge_and_asks_for_it() -> None:
    result = claim(Reason.DUPLICATE_PAYMENT)
    assert (result.amount, result.method) == (Decimal("128.00"), "full")
    assert any("should have been paid" in w.render("en") for w in result.warnings)


def test_duplicate_payment_with_no_excess_claims_nothing() -> None:
    result = claim(Reason.DUPLICATE_PAYMENT, correct_amount=Decimal("128.00"))
    assert (result.amount, result.method) == (Decimal("0.00"), "none")


def test_duplicate_payment_refuses_a_correct_amount_above_what_was_paid() -> None:
    with pytest.raises(InvalidInput, match="more than what was paid"):
        claim(Reason.DUPLICATE_PAYMENT, correct_amount=Decimal("200.00"))


def test_mistaken_purchase_inside_the_window_claims_full_without_refusal_warning() -> None:
    result = claim(Reason.MISTAKEN_PURCHASE, hours_later=3, activated=False)
    assert (result.amount, result.method, result.articles) == (Decimal("128.00"), "full", ())
    assert "with the service unused" in result.basis.render("en")
    assert not any("may refuse" in w.render("en") for w in result.warnings)


def test_mistaken_purchase_outside_the_window_warns_it_may_be_refused() -> None:
    result = claim(Reason.MISTAKEN_PURCHASE, hours_later=30)
    assert result.method == "full"
    assert "24 hours" in result.basis.render("en") and "24 小时" in result.basis.render("zh")
    assert any("may refuse" in w.render("en") for w in result.warnings)
    assert any("Art. 25" in w.render("en") for w in result.warnings)


def test_mistaken_purchase_uses_the_platforms_own_window() -> None:
    result = claim(Reason.MISTAKEN_PURCHASE, hours_later=30, window=timedelta(hours=72))
    assert not any("may refuse" in w.render("en") for w in result.warnings)
    assert "3 days" in result.basis.render("en")


def test_mistaken_purchase_already_activated_warns_even_inside_the_window() -> None:
    result = claim(Reason.MISTAKEN_PURCHASE, hours_later=3, activated=True)
    assert any("may refuse" in w.render("en") for w in result.warnings)


def test_partly_used_by_days_pays_the_unused_share_and_says_how() -> None:
    result = claim(Reason.PARTLY_USED, usage=Usage.parse("10/30 days"))
    assert (result.amount, result.method) == (Decimal("85.33"), "pro_rata_days")
    assert result.basis.render("zh") == (
        "按未使用天数比例退款：30 天中已用 10 天，应退 20/30 × ¥128.00 = ¥85.33。"
    )
    assert "20/30 × ¥128.00 = ¥85.33" in result.basis.render("en")


def test_partly_used_by_benefits() -> None:
    result = claim(Reason.PARTLY_USED, price="99.00", usage=Usage.parse("1/5项"))
    assert (result.amount, result.method) == (Decimal("79.20"), "pro_rata_benefits")
    assert "4/5 × ¥99.00 = ¥79.20" in result.basis.render("zh")


def test_partly_used_without_usage_asks_for_it() -> None:
    with pytest.raises(InvalidInput) as caught:
        claim(Reason.PARTLY_USED)
    assert "--usage" in caught.value.render("en") and "--usage" in caught.value.render("zh")


def test_other_claims_full_without_an_article() -> None:
    result = claim(Reason.OTHER)
    assert (result.amount, result.method, result.articles) == (Decimal("128.00"), "full", ())
    assert result.compensation is None


def test_other_currencies_are_written_after_the_amount() -> None:
    result = claim(Reason.NOT_AS_DESCRIBED, price="1280", currency="usd")
    assert "1,280.00 USD" in result.basis.render("en")
    assert "¥" not in result.basis.render("en")


def test_every_reason_renders_in_both_languages() -> None:
    for reason in Reason:
        usage = Usage.parse("1/3") if reason is Reason.PARTLY_USED else None
        result = claim(reason, usage=usage)
        for text in (result.basis, *result.warnings):
            assert text.render("zh") and text.render("en")
            assert text.render("zh") != text.render("en")


def test_facts_refuse_naive_times_and_bad_windows() -> None:
    with pytest.raises(InvalidInput):
        ClaimFacts(Reason.OTHER, Decimal("1"), "CNY", PAID.replace(tzinfo=None), PAID)
    with pytest.raises(InvalidInput):
        ClaimFacts(Reason.OTHER, Decimal("1"), "CNY", PAID, PAID, window=timedelta(0))
